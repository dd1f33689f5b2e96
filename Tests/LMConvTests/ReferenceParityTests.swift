import LMConv
import TestSupport
import XCTest

/// The network's output, NLLs and gradients against the published PyTorch implementation (Tests/Fixtures).
final class ReferenceParityTests: XCTestCase {
    func checkForwardAndNLL(_ name: String) throws {
        let fixture = try ReferenceFixture(name)
        let model = try fixture.model()
        let cfg = model.configuration
        let x = try fixture.tensor("x")
        var rng = Xoshiro256(seed: 1)
        let masks0 = try fixture.masks(0)
        XCTAssertEqual(masks0.initial, try fixture.tensor("mask_init_order0"))
        XCTAssertEqual(masks0.undilated, try fixture.tensor("mask_undilated_order0"))
        XCTAssertEqual(masks0.dilated, try fixture.tensor("mask_dilated_order0"))
        let (output, _) = model.forward(x, masks: masks0, rng: &rng)
        let expectedOutput = try fixture.tensor("output_order0")
        XCTAssertEqual(output.swappingLeadingAxes().shape, expectedOutput.shape)
        assertClose(output.swappingLeadingAxes().scalars, expectedOutput.scalars, relativeTolerance: 1e-4,
                    absoluteTolerance: 1e-4, "\(name) output under order 0")
        let expectedNLL = fixture.perImagePerOrderNLL
        for o in 0..<fixture.orderCount {
            let masks = try fixture.masks(o)
            let (out, _) = model.forward(x, masks: masks, rng: &rng)
            let nll = negativeLogLikelihood(output: out, target: x, configuration: cfg).perImageNLL
            assertClose(nll.map(Float.init), expectedNLL.map { Float($0[o]) }, relativeTolerance: 1e-4,
                        "\(name) NLL under order \(o)")
        }
    }

    func testBinaryForwardAndNLL() throws { try checkForwardAndNLL("binary-28") }
    func testGrayForwardAndNLL() throws { try checkForwardAndNLL("gray-28") }
    func testRGBForwardAndNLL() throws { try checkForwardAndNLL("rgb-32") }
}

extension ReferenceParityTests {
    func checkGradients(_ name: String) throws {
        let fixture = try ReferenceFixture(name)
        let model = try fixture.model()
        let cfg = model.configuration
        let x = try fixture.tensor("x")
        var rng = Xoshiro256(seed: 1)
        let masks = try fixture.masks(0)
        let (output, cache) = model.forward(x, masks: masks, rng: &rng)
        let evaluation = negativeLogLikelihood(output: output, target: x, configuration: cfg, wantGradient: true)
        assertClose(Float(evaluation.total), (fixture.expected["train_loss_order0_nats_sum"] as! NSNumber).floatValue,
                    relativeTolerance: 1e-4)
        model.parameters.zeroGradients()
        model.backward(evaluation.dOutput!, cache: cache)
        let grads = try SafetensorsFile.read(contentsOf: fixture.directory.appendingPathComponent("grads.safetensors"))
        let ours = model.namedGradients()
        XCTAssertEqual(Set(grads.tensors.keys), Set(ours.keys.map { "grad." + $0 }))
        for (key, tensor) in grads.tensors.sorted(by: { $0.key < $1.key }) {
            let name = String(key.dropFirst("grad.".count))
            guard let mine = ours[name] else { continue }
            let expected = try tensor.floats()
            // Gradients within 1e-3 relative; small entries are judged against the tensor's scale.
            let scale = expected.map(abs).max() ?? 0
            assertClose(mine.scalars, expected, relativeTolerance: 1e-3, absoluteTolerance: 1e-4 * scale + 1e-6,
                        "\(fixture.name) gradient of \(name)")
        }
    }

    func testBinaryGradients() throws { try checkGradients("binary-28") }
    func testGrayGradients() throws { try checkGradients("gray-28") }
    func testRGBGradients() throws { try checkGradients("rgb-32") }
}

extension ReferenceParityTests {
    /// Ten Adam steps (lr 1e-3) on the fixture batch under order 0 reproduce the reference's losses.
    func checkTenSteps(_ name: String) throws {
        let fixture = try ReferenceFixture(name)
        let model = try fixture.model()
        let cfg = model.configuration
        let x = try fixture.tensor("x")
        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: fixture.directory.appendingPathComponent("train10.json"))) as! [String: Any]
        let expected = (json["losses"] as! [NSNumber]).map(\.floatValue)
        var rng = Xoshiro256(seed: 1)
        let masks = try fixture.masks(0)
        var adam = AdamOptimizer(parameterCount: model.parameters.totalCount, learningRate: 1e-3)
        var losses: [Float] = []
        for _ in 0..<10 {
            let (output, cache) = model.forward(x, masks: masks, training: true, rng: &rng)
            let evaluation = negativeLogLikelihood(output: output, target: x, configuration: cfg, wantGradient: true)
            losses.append(Float(evaluation.total))
            model.parameters.zeroGradients()
            model.backward(evaluation.dOutput!, cache: cache)
            adam.update(model.parameters)
        }
        assertClose(losses, expected, relativeTolerance: 1e-3, "\(name) ten Adam steps")
    }

    func testBinaryTenSteps() throws { try checkTenSteps("binary-28") }
    func testGrayTenSteps() throws { try checkTenSteps("gray-28") }
    func testRGBTenSteps() throws { try checkTenSteps("rgb-32") }
}
