import Foundation
import LMConv
import TestSupport
import XCTest

/// The trainer's options: gradient clipping, the EMA of the weights, learning-rate decay per epoch, exact resume.
final class TrainerTests: XCTestCase {
    /// 24 random 6x6 grayscale images.
    func tinyData() -> ImageDataset {
        var rng = Xoshiro256(seed: 9)
        return ImageDataset(count: 24, channels: 1, height: 6, width: 6,
                            pixels: (0..<(24 * 36)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }

    func tinyModel(seed: UInt64 = 1) throws -> LocallyMaskedPixelCNN {
        try LocallyMaskedPixelCNN(configuration: ModelConfiguration(height: 6, width: 6, binarize: true, filters: 4,
                                                                    resnets: 1), seed: seed)
    }

    func testClipGradientNormScalesToTheLimitAndKeepsDirection() throws {
        let model = try tinyModel()
        let store = model.parameters
        store.allGradients = (0..<store.totalCount).map { Float($0 % 7) - 3 }
        let before = store.allGradients
        let norm = store.clipGradientNorm(0.5)
        assertClose(norm, Float(before.map { Double($0 * $0) }.reduce(0, +).squareRoot()), relativeTolerance: 1e-5)
        assertClose(store.gradientNorm(), 0.5, relativeTolerance: 1e-4)
        let scale = store.allGradients[1] / before[1]
        assertClose(store.allGradients, before.map { $0 * scale }, relativeTolerance: 1e-5)
        // Below the limit nothing changes.
        let small = store.allGradients
        store.clipGradientNorm(10)
        XCTAssertEqual(store.allGradients, small)
    }

    func testEMAFollowsItsDefinition() throws {
        var options = TrainingOptions()
        options.batchSize = 8
        options.learningRate = 1e-2
        options.emaDecay = 0.5
        let model = try tinyModel()
        let trainer = try Trainer(model: model, orders: OrderSpecification(names: ["raster_scan"], variants: 1),
                                  data: tinyData(), options: options)
        var expected = model.parameters.allValues            // the EMA starts at the initial weights
        for _ in 0..<3 {
            try trainer.trainStep()
            let current = model.parameters.allValues
            expected = zip(expected, current).map { 0.5 * $0 + 0.5 * $1 }
        }
        let ema = try trainer.evaluationModel()
        assertClose(ema.parameters.allValues, expected, relativeTolerance: 1e-5, absoluteTolerance: 1e-7)
        XCTAssertNotEqual(ema.parameters.allValues, model.parameters.allValues)
    }

    func testLearningRateDecaysOncePerEpoch() throws {
        var options = TrainingOptions()
        options.batchSize = 8                                      // 3 batches per epoch of 24 images
        options.learningRate = 1e-3
        options.learningRateDecay = 0.5
        let trainer = try Trainer(model: try tinyModel(), orders: OrderSpecification(names: ["s_curve"], variants: 8),
                                  data: tinyData(), options: options)
        var rates: [Float] = []
        for _ in 0..<7 { try trainer.trainStep(); rates.append(trainer.learningRate) }
        XCTAssertEqual(rates, [1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 2.5e-4, 2.5e-4])
        XCTAssertEqual(trainer.epoch, 2)
    }

    func testResumeWithClippingAndEMAContinuesExactly() throws {
        var options = TrainingOptions()
        options.batchSize = 5                                      // epochs end mid-run, with a short last batch
        options.learningRate = 3e-3
        options.clipNorm = 1
        options.emaDecay = 0.9
        options.seed = 4
        let orders = OrderSpecification(names: ["s_curve", "gilbert2d"], variants: 8)
        let straight = try Trainer(model: try tinyModel(seed: 4), orders: orders, data: tinyData(), options: options)
        var straightLosses: [Double] = []
        for _ in 0..<8 { straightLosses.append(try straight.trainStep().loss) }

        let first = try Trainer(model: try tinyModel(seed: 4), orders: orders, data: tinyData(), options: options)
        var losses: [Double] = []
        for _ in 0..<3 { losses.append(try first.trainStep().loss) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try first.checkpoint().write(to: file)
        let second = try Trainer(resuming: try Checkpoint.read(contentsOf: file), data: tinyData(), source: file.path)
        for _ in 0..<5 { losses.append(try second.trainStep().loss) }

        XCTAssertEqual(losses, straightLosses)
        XCTAssertEqual(second.model.parameters.allValues, straight.model.parameters.allValues)
        let (resumedEMA, straightEMA) = (try second.evaluationModel(), try straight.evaluationModel())
        XCTAssertEqual(resumedEMA.parameters.allValues, straightEMA.parameters.allValues)
    }
}
