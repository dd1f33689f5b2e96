import Foundation
import LMConv
import TestSupport
import XCTest

/// Importing the reference's PixelCNN++ checkpoints (Tests/Fixtures/baseline-*/checkpoint.pth, args 'ours' False):
/// the configuration and weights, and the fixtures' per-image NLLs from the imported model.
final class PixelCNNPlusPlusImportTests: XCTestCase {
    private func url(_ fixture: String, _ file: String) -> URL {
        fixturesDirectory.appendingPathComponent(fixture).appendingPathComponent(file)
    }

    /// `checkpoint` with one of its saved args set (appended when absent).
    private func settingArg(_ checkpoint: TorchCheckpoint, _ key: String, _ value: PickleValue) -> TorchCheckpoint {
        func setting(_ dict: PickleValue, _ key: String, _ value: PickleValue) -> PickleValue {
            var entries = dict.dictValue ?? []
            if let i = entries.firstIndex(where: { $0.key == .string(key) }) { entries[i].value = value }
            else { entries.append((.string(key), value)) }
            return .dict(entries)
        }
        var copy = checkpoint
        copy.root = setting(checkpoint.root, "args", setting(checkpoint.root["args"]!, key, value))
        return copy
    }

    private func assertError<T>(_ expression: @autoclosure () throws -> T, contains fragments: [String],
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            let message = (error as? LMConvError)?.message ?? "\(error)"
            for fragment in fragments {
                XCTAssertTrue(message.contains(fragment), "'\(message)' lacks '\(fragment)'", file: file, line: line)
            }
            XCTAssertFalse(message.contains("\n"), "multi-line message: \(message)", file: file, line: line)
        }
    }

    func testFixtureCheckpointsReproduceReferenceLikelihoods() throws {
        for (name, images) in [("baseline-gray-28", "images.idx"), ("baseline-rgb-32", "images.npy")] {
            let fixture = try ReferenceFixture(name)
            var warnings: [String] = []
            let checkpoint = try Checkpoint.load(contentsOf: url(name, "checkpoint.pth")) { warnings.append($0) }
            XCTAssertEqual(warnings, [], name)
            var expectedConfiguration = fixture.pixelCNNPlusPlusConfiguration
            expectedConfiguration.dropout = 0.5   // baseline.py's gated resnets, whatever --dropout_prob says
            XCTAssertEqual(checkpoint.configuration, expectedConfiguration, name)
            XCTAssertEqual(checkpoint.orders, OrderSpecification(names: ["raster_scan"], variants: 1), name)
            let expectedWeights = try fixture.weights.tensors.mapValues { Tensor(shape: $0.shape, scalars: try $0.floats()) }
            XCTAssertEqual(checkpoint.weights, expectedWeights, "\(name): the state dict's tensors one to one")

            let model = try checkpoint.makePixelCNNPlusPlus()
            let data = try ImageDataset.load(path: url(name, images).path)
            let evaluation = try model.evaluate(data, encoding: .bits(8))
            let expected = (fixture.expected["nll_nats_per_image"] as! [NSNumber]).map(\.floatValue)
            assertClose(evaluation.perImageNLL.map(Float.init), expected, relativeTolerance: 1e-5, absoluteTolerance: 0,
                        "\(name): per-image NLL of the imported checkpoint")
            let bpd = (fixture.expected["bpd"] as! NSNumber).floatValue
            assertClose(Float(evaluation.bitsPerDimension), bpd, relativeTolerance: 1e-5, "\(name): bpd")

            // The locally masked network's loader refuses it with a message that says why.
            assertError(try checkpoint.makeModel(source: "\(name)/checkpoint.pth"),
                        contains: ["\(name)/checkpoint.pth", "PixelCNN++ baseline"])
        }
    }

    func testImportedCheckpointRoundTripsThroughSafetensors() throws {
        let imported = try Checkpoint.importTorch(contentsOf: url("baseline-rgb-32", "checkpoint.pth"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pixelcnnpp-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try imported.write(to: file)
        let read = try Checkpoint.load(contentsOf: file)
        XCTAssertEqual(read.configuration, imported.configuration)
        XCTAssertEqual(read.configuration.network, .pixelCNNPlusPlus)
        XCTAssertEqual(read.orders, imported.orders)
        XCTAssertEqual(read.weights, imported.weights)
        XCTAssertEqual(try read.makePixelCNNPlusPlus().namedWeights(), imported.weights)
    }

    func testBaselineImportErrors() throws {
        let base = try TorchCheckpoint.read(contentsOf: url("baseline-gray-28", "checkpoint.pth"))
        assertError(try base.imported(orders: OrderSpecification(names: ["s_curve"], variants: 8)),
                    contains: ["checkpoint.pth", "PixelCNN++ baseline", "raster order only"])
        assertError(try settingArg(base, "dataset", .string("imagenet")).imported(),
                    contains: ["PixelCNN++ baseline", "image height, image width"])
        let sized = try settingArg(base, "dataset", .string("imagenet"))
            .imported(overrides: TorchImportOverrides(height: 28, width: 28))
        XCTAssertEqual(sized.configuration.height, 28)
        // Args that contradict the weights: a shape error that names the network and the tensor.
        assertError(try settingArg(base, "nr_filters", .int(16)).imported(),
                    contains: ["PixelCNN++ baseline", "does not fit", "nr_filters 16", "the model needs [16"])
        assertError(try settingArg(base, "binarize", .bool(true)).imported(),
                    contains: ["PixelCNN++ baseline", "nin_out.lin_a"])
    }
}
