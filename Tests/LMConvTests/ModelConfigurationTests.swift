import Foundation
import LMConv
import XCTest

/// The hyper-parameter table: names, defaults, valid values, and that validation, coding and help all follow it.
final class ModelConfigurationTests: XCTestCase {
    typealias P = ModelConfiguration.Parameter

    func testNamesAndDefaults() {
        XCTAssertEqual(P.kernelSize.flag, "--kernel-size")
        XCTAssertEqual(P.nBits.flag, "--n-bits")
        XCTAssertEqual(P.learnWeightForMasks.flag, "--learn-weight-for-masks")
        XCTAssertEqual(P.filters.key, "nr_filters")
        XCTAssertEqual(P.height.key, "rows")
        XCTAssertEqual(P.convBias.referenceArgument, "no_bias")
        XCTAssertEqual(P.dropout.referenceArgument, "dropout_prob")
        XCTAssertNil(P.height.referenceArgument)
        XCTAssertEqual(P.filters.defaultValue, String(ModelConfiguration().filters))
        XCTAssertEqual(P.filters.help(), "Filters F of every hidden layer, >= 2 (default 32).")
        XCTAssertEqual(P.nBits.help(withDefault: false), "Bits per sub-pixel of the data the mixture models, in 1...8.")
    }

    /// A configuration's JSON has exactly the table's keys, and reads back equal; missing keys take the defaults.
    func testCodingUsesTheTableKeys() throws {
        let cfg = ModelConfiguration(channels: 3, height: 32, width: 30, binarize: false, filters: 8, resnets: 1,
                                     kernelSize: 5, maxDilation: 3, mixtures: 4, normalization: .orderRescale,
                                     nBits: 5, convBias: false, learnWeightForMasks: true, dropout: 0.25)
        let json = try JSONSerialization.jsonObject(with: Data(try JSONWriter.bytes(cfg))) as! [String: Any]
        XCTAssertEqual(Set(json.keys), Set(P.allCases.map(\.key) + ["network"]))   // the table's, and the network kind
        XCTAssertEqual(json["nr_filters"] as? Int, 8)
        XCTAssertEqual(try JSONDecoder().decode(ModelConfiguration.self, from: Data(try JSONWriter.bytes(cfg))), cfg)
        var partial = ModelConfiguration()
        partial.filters = 7
        XCTAssertEqual(try JSONDecoder().decode(ModelConfiguration.self, from: Data(#"{"nr_filters": 7}"#.utf8)), partial)
    }

    func testValidValues() {
        XCTAssertNil(P.filters.problem(with: 2))
        XCTAssertEqual(P.filters.problem(with: 1), "must be >= 2, got 1")
        XCTAssertNil(P.resnets.problem(with: 0))
        XCTAssertEqual(P.kernelSize.problem(with: 4), "must be odd and positive, got 4")
        XCTAssertEqual(P.kernelSize.problem(with: -1), "must be odd and positive, got -1")
        XCTAssertNil(P.kernelSize.problem(with: 1))
        XCTAssertEqual(P.nBits.problem(with: 9), "must be in 1...8, got 9")
        XCTAssertNil(P.nBits.problem(with: 8))
        XCTAssertEqual(P.channels.problem(with: 2), "must be 1 or 3, got 2")
        XCTAssertEqual(P.dropout.problem(with: Float(1)), "must be in [0, 1), got 1.0")
        XCTAssertNil(P.dropout.problem(with: Float(0)))
        XCTAssertNil(P.binarize.validValues)
        XCTAssertEqual(P.normalization.validValues, "one of pono, order_rescale, weight_norm or none")
    }

    /// ``ModelConfiguration/validate()`` reports the table's problems under the parameter's key.
    func testValidateFollowsTheTable() {
        func message(_ change: (inout ModelConfiguration) -> Void) -> String? {
            var cfg = ModelConfiguration()
            change(&cfg)
            do { try cfg.validate(); return nil } catch { return (error as? LMConvError)?.message }
        }
        XCTAssertNil(message { _ in })
        XCTAssertEqual(message { $0.filters = 1 }, "invalid model configuration: nr_filters must be >= 2, got 1")
        XCTAssertEqual(message { $0.kernelSize = 4 }, "invalid model configuration: kernel_size must be odd and positive, got 4")
        XCTAssertEqual(message { $0.binarize = false; $0.nBits = 0 }, "invalid model configuration: n_bits must be in 1...8, got 0")
        XCTAssertEqual(message { $0.dropout = 1 }, "invalid model configuration: dropout must be in [0, 1), got 1.0")
        XCTAssertEqual(message { $0.channels = 3 }, "invalid model configuration: binarize needs 1 channel, got 3")
        XCTAssertEqual(message { $0.height = 0 }, "invalid model configuration: image size 0x28 must be positive")
        // Mixtures matter only to mixture models.
        XCTAssertNil(message { $0.mixtures = 0 })
        XCTAssertEqual(message { $0.binarize = false; $0.mixtures = 0 },
                       "invalid model configuration: nr_logistic_mix must be >= 1, got 0")
    }
}
