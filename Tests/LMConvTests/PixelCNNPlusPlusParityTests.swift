import Foundation
import LMConv
import TestSupport
import XCTest

/// PixelCNN++ against the reference's baseline.py (Tests/Fixtures/baseline-*): raw output in eval mode, per-image
/// NLL in raster order, and the gradient of every parameter in training mode with dropout 0.
final class PixelCNNPlusPlusParityTests: XCTestCase {
    static let fixtures = ["baseline-gray-28", "baseline-rgb-32"]

    /// Prints every comparison's worst relative error when LMCONV_PARITY_VERBOSE is set.
    static let verbose = ProcessInfo.processInfo.environment["LMCONV_PARITY_VERBOSE"] != nil

    /// max_i |a_i − e_i| / |e_i| over the elements with |e_i| >= floor (Double, to report), and that floor's count.
    static func worstRelativeError(_ actual: [Float], _ expected: [Float], floor: Float) -> Double {
        var worst = 0.0
        for (a, e) in zip(actual, expected) where abs(e) >= floor {
            worst = max(worst, Double(abs(a - e)) / Double(abs(e)))
        }
        return worst
    }

    func testOutputAndNLL() throws {
        for name in Self.fixtures {
            let fixture = try ReferenceFixture(name)
            let model = try fixture.pixelCNNPlusPlus()
            let x = try fixture.tensor("x")
            var rng = Xoshiro256(seed: 1)
            let (output, _) = model.forward(x, rng: &rng)
            let expected = try fixture.tensor("output")
            let ours = output.swappingLeadingAxes()
            XCTAssertEqual(ours.shape, expected.shape, name)
            assertClose(ours.scalars, expected.scalars, relativeTolerance: 1e-4, absoluteTolerance: 1e-5,
                        "\(name) raw output")
            let nll = negativeLogLikelihood(output: output, target: x, configuration: model.configuration).perImageNLL
            let expectedNLL = (fixture.expected["nll_nats_per_image"] as! [NSNumber]).map(\.floatValue)
            assertClose(nll.map(Float.init), expectedNLL, relativeTolerance: 1e-5, absoluteTolerance: 0,
                        "\(name) per-image NLL")
            XCTAssertEqual(model.negativeLogLikelihood(of: x), nll, "\(name): the convenience gives the same NLL")
            if Self.verbose {
                let scale = expected.scalars.map(abs).max()!
                print("parity \(name): output worst relative \(Self.worstRelativeError(ours.scalars, expected.scalars, floor: 1e-3 * scale)) "
                      + "(|e| >= 1e-3 max), worst absolute / max \(zip(ours.scalars, expected.scalars).map { Double(abs($0 - $1)) }.max()! / Double(scale)); "
                      + "NLL worst relative \(Self.worstRelativeError(nll.map(Float.init), expectedNLL, floor: 0))")
            }
        }
    }

    func testGradients() throws {
        for name in Self.fixtures {
            let fixture = try ReferenceFixture(name)
            let model = try fixture.pixelCNNPlusPlus()
            XCTAssertEqual(model.configuration.dropout, 0)
            let x = try fixture.tensor("x")
            var rng = Xoshiro256(seed: 1)
            let (output, cache) = model.forward(x, training: true, rng: &rng)
            let evaluation = negativeLogLikelihood(output: output, target: x, configuration: model.configuration,
                                                   wantGradient: true)
            assertClose(Float(evaluation.total), (fixture.expected["train_loss_nats_sum"] as! NSNumber).floatValue,
                        relativeTolerance: 1e-5, "\(name) summed NLL")
            model.parameters.zeroGradients()
            model.backward(evaluation.dOutput!, cache: cache)
            let grads = try SafetensorsFile.read(contentsOf: fixture.directory.appendingPathComponent("grads.safetensors"))
            let ours = model.namedGradients()
            XCTAssertEqual(Set(grads.tensors.keys), Set(ours.keys.map { "grad." + $0 }), name)
            var worst = (0.0, ""), worstTensorwise = (0.0, "")
            for (key, tensor) in grads.tensors.sorted(by: { $0.key < $1.key }) {
                let parameter = String(key.dropFirst("grad.".count))
                guard let mine = ours[parameter] else { continue }
                let expected = try tensor.floats()
                XCTAssertEqual(mine.shape, tensor.shape, parameter)
                // 1e-4 relative per element; entries far below their tensor's largest are judged against that scale.
                // What is left is the reference's float32 likelihood: its gradient with respect to the output loses
                // digits in the differences of sigmoids over 1/255-wide bins, and computing ours in Float instead of
                // Double moves these gradients by as much (3e-5 relative on entries >= 10% of their tensor's largest,
                // 2e-4 on entries >= 1%), while our own summation order (whole batch or image by image) moves them
                // by less than 2e-6.
                let scale = expected.map(abs).max() ?? 0
                XCTAssertGreaterThan(scale, 0, "\(name): the gradient of \(parameter) is zero")
                assertClose(mine.scalars, expected, relativeTolerance: 1e-4, absoluteTolerance: 1e-5 * scale,
                            "\(name) gradient of \(parameter)")
                let relative = Self.worstRelativeError(mine.scalars, expected, floor: 1e-2 * scale)
                let tensorwise = zip(mine.scalars, expected).map { Double(abs($0 - $1)) }.max()! / Double(scale)
                if relative > worst.0 { worst = (relative, parameter) }
                if tensorwise > worstTensorwise.0 { worstTensorwise = (tensorwise, parameter) }
            }
            if Self.verbose {
                print("parity \(name): gradients worst relative (|e| >= 1e-2 of its tensor's max) \(worst.0) in "
                      + "\(worst.1); worst |error| / tensor max \(worstTensorwise.0) in \(worstTensorwise.1)")
            }
        }
    }
}

extension ReferenceFixture {
    /// The PixelCNN++ configuration of a `baseline-*` fixture's `expected.json` (dropout 0: its gradients were
    /// taken with dropout off).
    var pixelCNNPlusPlusConfiguration: ModelConfiguration {
        let c = expected["config"] as! [String: Any]
        precondition(c["model"] as? String == "pixelcnn++", "\(name) is not a PixelCNN++ fixture")
        var cfg = ModelConfiguration(channels: c["channels"] as! Int, height: c["rows"] as! Int,
                                     width: c["cols"] as! Int, binarize: false, filters: c["nr_filters"] as! Int,
                                     resnets: c["nr_resnet"] as! Int, mixtures: c["nr_logistic_mix"] as! Int,
                                     normalization: .weightNorm, network: .pixelCNNPlusPlus)
        cfg.dropout = 0
        return cfg
    }

    /// The PixelCNN++ with the fixture's weights.
    func pixelCNNPlusPlus() throws -> PixelCNNPlusPlus {
        let model = try PixelCNNPlusPlus(configuration: pixelCNNPlusPlusConfiguration)
        try model.loadWeights(from: weights, source: "\(name)/weights.safetensors")
        return model
    }
}
