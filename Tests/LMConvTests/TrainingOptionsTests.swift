import Foundation
import LMConv
import TestSupport
import XCTest

/// The reference's training options: order indices, weight decay, gradient accumulation, the bpd loss, the model
/// options at training and multi-resolution batches; each recorded in checkpoints so that a resumed run continues.
final class TrainingOptionsTests: XCTestCase {
    /// `count` random 8x8 grayscale images (4-bit values, so n_bits 4 encodes them exactly and deterministically).
    static func data(count: Int = 24, size: Int = 8, seed: UInt64 = 5) -> ImageDataset {
        var rng = Xoshiro256(seed: seed)
        return ImageDataset(count: count, channels: 1, height: size, width: size,
                            pixels: (0..<(count * size * size)).map { _ in UInt8(truncatingIfNeeded: rng.next()) & 0xF0 })
    }

    static func configuration(binarize: Bool = false) -> ModelConfiguration {
        ModelConfiguration(height: 8, width: 8, binarize: binarize, filters: 4, resnets: 1, mixtures: 2, nBits: 4)
    }

    func trainer(_ options: TrainingOptions, orders: OrderSpecification = OrderSpecification(names: ["s_curve"], variants: 8),
                 configuration: ModelConfiguration = configuration(), data: ImageDataset = data()) throws -> Trainer {
        try Trainer(model: try LocallyMaskedPixelCNN(configuration: configuration, seed: 3), orders: orders, data: data,
                    options: options)
    }

    /// Writes the trainer's checkpoint, reads it back and resumes from it.
    func roundTrip(_ t: Trainer, data: ImageDataset = data()) throws -> Trainer {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("opt-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try t.checkpoint().write(to: file)
        return try Trainer(resuming: try Checkpoint.read(contentsOf: file), data: data, source: file.path)
    }

    func testOrderIndicesDrawOnlyTheChosenOrders() throws {
        var options = TrainingOptions()
        options.batchSize = 4
        options.orderIndices = [1, 3]
        let t = try trainer(options)
        let drawn = try (0..<16).map { _ in try t.trainStep().orderIndex }
        XCTAssertEqual(Set(drawn), [1, 3])
        XCTAssertEqual(try roundTrip(t).options.orderIndices, [1, 3])
        options.orderIndices = [2, 8]
        XCTAssertThrowsError(try trainer(options)) {
            guard case .invalidOption("--order-indices", "8", _) = ($0 as! LMConvError).root else { return XCTFail("\($0)") }
        }
    }

    func testAdamWeightDecayIsPyTorchsL2Form() {
        let store = ParameterStore()
        let slot = store.register("w", shape: [3])
        store.seal()
        store.setValue(slot, [0.5, -1.5, 2])
        var adam = AdamOptimizer(parameterCount: 3, learningRate: 0.1)
        adam.weightDecay = 0.2
        var p: [Double] = [0.5, -1.5, 2], m = [0.0, 0, 0], v = [0.0, 0, 0]
        let grads: [[Float]] = [[0.1, 0.2, -0.3], [-0.4, 0.05, 0.6]]
        for (t, g) in grads.enumerated() {
            store.allGradients = g
            adam.update(store)
            for i in 0..<3 {
                let gi = Double(g[i]) + 0.2 * p[i]
                m[i] = 0.9 * m[i] + 0.1 * gi
                v[i] = 0.999 * v[i] + 0.001 * gi * gi
                let mHat = m[i] / (1 - pow(0.9, Double(t + 1))), vHat = v[i] / (1 - pow(0.999, Double(t + 1)))
                p[i] -= 0.1 * mHat / (vHat.squareRoot() + 1e-8)
            }
        }
        assertClose(store.tensor(slot).scalars, p.map { Float($0) }, relativeTolerance: 1e-5)
    }

    func testAccumulationEqualsOneLargerBatch() throws {
        // One order, so the N batches of a step and the one large batch are scored under the same masks.
        let raster = OrderSpecification(names: ["raster_scan"], variants: 1)
        var small = TrainingOptions(), large = TrainingOptions()
        small.batchSize = 4
        small.accumulate = 3
        large.batchSize = 12
        small.learningRate = 1e-2; large.learningRate = 1e-2
        small.weightDecay = 1e-3; large.weightDecay = 1e-3
        small.clipNorm = 50; large.clipNorm = 50
        let a = try trainer(small, orders: raster), b = try trainer(large, orders: raster)
        for step in 0..<4 {                                        // two epochs of 24 images
            // From the same weights (Adam would magnify float-order differences of earlier steps).
            a.model.parameters.allValues = b.model.parameters.allValues
            let (ra, rb) = (try a.trainStep(), try b.trainStep())
            XCTAssertEqual(ra.batchSize, 12)
            XCTAssertEqual(ra.loss, rb.loss, accuracy: abs(rb.loss) * 1e-5, "loss of step \(step)")
            // The step's (clipped) gradients: equal up to float summation order.
            let (ga, gb) = (a.model.parameters.allGradients, b.model.parameters.allGradients)
            let largest = gb.map(abs).max()!
            assertClose(ga, gb, relativeTolerance: 1e-4, absoluteTolerance: largest * 1e-5, "gradient of step \(step)")
        }
        XCTAssertEqual(a.learningRate, b.learningRate)             // the epochs end at the same steps
        XCTAssertNotEqual(a.model.parameters.allValues, try trainer(small, orders: raster).model.parameters.allValues)
        // Resumed mid-run it continues exactly.
        let resumed = try roundTrip(a)
        let (next, again) = (try a.trainStep(), try resumed.trainStep())
        XCTAssertEqual(next.loss, again.loss)
        XCTAssertEqual(a.model.parameters.allValues, resumed.model.parameters.allValues)
    }

    func testMinimizeBPDScalesTheGradientByTheReferencesDenominator() throws {
        var plain = TrainingOptions()
        plain.batchSize = 6
        var bpd = plain
        bpd.minimizeBPD = true
        let (a, b) = (try trainer(plain), try trainer(bpd))
        let (ra, rb) = (try a.trainStep(), try b.trainStep())
        XCTAssertEqual(ra.loss, rb.loss)                            // the reported loss stays the summed NLL
        let scale = Float(1 / (6 * 64 * log(2.0)))
        let expected = a.model.parameters.allGradients.map { $0 * scale }
        assertClose(b.model.parameters.allGradients, expected, relativeTolerance: 1e-4,
                    absoluteTolerance: expected.map(abs).max()! * 1e-5)
        XCTAssertTrue(try roundTrip(b).options.minimizeBPD)
    }

    func testNoBiasAndLearnedMaskWeightsTrain() throws {
        var cfg = Self.configuration(binarize: true)
        cfg.convBias = false
        cfg.learnWeightForMasks = true
        var options = TrainingOptions()
        options.batchSize = 8
        options.learningRate = 1e-2
        let t = try trainer(options, configuration: cfg)
        let names = t.model.parameters.slots.map(\.name)
        XCTAssertFalse(names.contains { $0.hasSuffix("mask_weight") == false && $0.contains("conv") && $0.hasSuffix(".bias") },
                       "a locally masked convolution kept its bias")
        let maskWeights = t.model.parameters.slots.filter { $0.name.hasSuffix("mask_weight") }
        XCTAssertFalse(maskWeights.isEmpty)
        let before = maskWeights.map { t.model.parameters.tensor($0).scalars }
        for _ in 0..<3 { XCTAssertTrue(try t.trainStep().loss.isFinite) }
        let after = maskWeights.map { t.model.parameters.tensor($0).scalars }
        XCTAssertNotEqual(before, after, "the mask weights did not learn")
        let resumed = try roundTrip(t)
        XCTAssertEqual(resumed.model.configuration, cfg)
        XCTAssertEqual(try resumed.trainStep().loss, try t.trainStep().loss)
    }

    func testMultiResolutionBatchesAreTheResizedImages() throws {
        let sizes = [ImageSize(height: 8, width: 8), ImageSize(height: 4, width: 4)]
        var options = TrainingOptions()
        options.batchSize = 6
        options.resizeSizes = sizes
        options.resizeProbabilities = [0.5, 0.5]
        let t = try trainer(options)
        let perImage = try (0..<12).map { _ in try t.trainStep() }.map { $0.dimensions / $0.batchSize }
        XCTAssertEqual(Set(perImage), [64, 16])
        // Every batch at 4x4: the same trajectory as training on the images resized beforehand.
        options.resizeSizes = [sizes[1]]
        options.resizeProbabilities = nil
        let resized = try trainer(options)
        var plain = options
        plain.resizeSizes = nil
        let reference = try trainer(plain, data: Self.data().resized(to: sizes[1], method: .area))
        for _ in 0..<3 { XCTAssertEqual(try resized.trainStep().loss, try reference.trainStep().loss) }
        XCTAssertEqual(resized.model.parameters.allValues, reference.model.parameters.allValues)
        // The options survive the checkpoint; bad probabilities are refused.
        XCTAssertEqual(try roundTrip(t).options.resizeSizes, sizes)
        options.resizeSizes = sizes
        options.resizeProbabilities = [0.7, 0.7]
        XCTAssertThrowsError(try trainer(options)) {
            guard case .invalidOption("--resize-probs", _, _) = ($0 as! LMConvError).root else { return XCTFail("\($0)") }
        }
    }

    func testOlderCheckpointsDecodeWithTheDefaults() throws {
        let json = #"{"batchSize":8,"learningRate":0.001,"learningRateDecay":1,"seed":2}"#
        let options = try JSONDecoder().decode(TrainingOptions.self, from: Data(json.utf8))
        XCTAssertEqual(options.accumulate, 1)
        XCTAssertEqual(options.weightDecay, 0)
        XCTAssertFalse(options.minimizeBPD)
        XCTAssertNil(options.orderIndices)
    }
}
