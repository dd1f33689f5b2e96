import Foundation
import LMConv
import TestSupport
import XCTest

/// The PixelCNN++ baseline trained by the same Trainer as the locally masked network: the loss falls, a resumed run
/// continues bit for bit, checkpoints say which network they hold, and options that need orders are refused.
final class PixelCNNPlusPlusTrainingTests: XCTestCase {
    /// 16 random 8x8 grayscale images.
    static func data(count: Int = 16, seed: UInt64 = 3) -> ImageDataset {
        var rng = Xoshiro256(seed: seed)
        return ImageDataset(count: count, channels: 1, height: 8, width: 8,
                            pixels: (0..<(count * 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) & 0xF0 })
    }

    static func configuration(binarize: Bool = false, dropout: Float = 0) -> ModelConfiguration {
        ModelConfiguration(height: 8, width: 8, binarize: binarize, filters: 4, resnets: 1, mixtures: 2, nBits: 4,
                           dropout: dropout, network: .pixelCNNPlusPlus)
    }

    static let raster = OrderSpecification(names: ["raster_scan"], variants: 1)

    func trainer(_ options: TrainingOptions, binarize: Bool = false, dropout: Float = 0) throws -> Trainer {
        let model = try PixelCNNPlusPlus(configuration: Self.configuration(binarize: binarize, dropout: dropout), seed: 2)
        return try Trainer(model: model, orders: Self.raster, data: Self.data(), options: options)
    }

    func testAFewStepsLowerTheLoss() throws {
        for binarize in [false, true] {
            var options = TrainingOptions()
            options.batchSize = 8
            options.learningRate = 1e-2
            let t = try trainer(options, binarize: binarize)
            let encoding = t.model.configuration.inputEncoding()
            let before = try t.model.evaluateEnsemble(Self.data(), orders: t.orders, encoding: encoding).meanNLL
            for _ in 0..<12 { try t.trainStep() }
            let after = try t.model.evaluateEnsemble(Self.data(), orders: t.orders, encoding: encoding).meanNLL
            XCTAssertLessThan(after, before * 0.95, "binarize \(binarize): NLL \(before) -> \(after)")
        }
    }

    func testResumeContinuesBitForBit() throws {
        var options = TrainingOptions()
        options.batchSize = 5                                      // epochs end mid-run
        options.learningRate = 3e-3
        options.emaDecay = 0.9
        options.clipNorm = 5
        options.seed = 7
        let straight = try trainer(options, dropout: 0.3)
        var straightLosses: [Double] = []
        for _ in 0..<6 { straightLosses.append(try straight.trainStep().loss) }

        let first = try trainer(options, dropout: 0.3)
        var losses: [Double] = []
        for _ in 0..<3 { losses.append(try first.trainStep().loss) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pcnn-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try first.checkpoint().write(to: file)
        let checkpoint = try Checkpoint.read(contentsOf: file)
        XCTAssertEqual(checkpoint.configuration.network, .pixelCNNPlusPlus)
        let second = try Trainer(resuming: checkpoint, data: Self.data(), source: file.path)
        XCTAssertTrue(second.model is PixelCNNPlusPlus)
        for _ in 0..<3 { losses.append(try second.trainStep().loss) }
        XCTAssertEqual(losses, straightLosses)
        XCTAssertEqual(second.model.parameters.allValues, straight.model.parameters.allValues)
        XCTAssertEqual(try second.evaluationModel().parameters.allValues, try straight.evaluationModel().parameters.allValues)
        // The commands that load a checkpoint get the baseline back.
        XCTAssertEqual(try checkpoint.makePixelCNNPlusPlus().parameters.allValues, first.model.parameters.allValues)
    }

    func testOptionsThatNeedOrdersAreRefused() throws {
        let model = try PixelCNNPlusPlus(configuration: Self.configuration(), seed: 2)
        func refusal(_ orders: OrderSpecification, _ change: (inout TrainingOptions) -> Void) -> String? {
            var options = TrainingOptions()
            change(&options)
            do { _ = try Trainer(model: model, orders: orders, data: Self.data(), options: options); return nil }
            catch let error as LMConvError {
                guard case .invalidOption(let name, _, _) = error.root else { return "not invalidOption: \(error)" }
                return name
            } catch { return "\(error)" }
        }
        XCTAssertEqual(refusal(OrderSpecification(names: ["s_curve"], variants: 8)) { _ in }, "--order")
        XCTAssertEqual(refusal(Self.raster) { $0.orderIndices = [1] }, "--order-indices")
        XCTAssertNil(refusal(Self.raster) {
            $0.accumulate = 2; $0.weightDecay = 0.1; $0.minimizeBPD = true; $0.resizeSizes = [ImageSize(height: 4, width: 4)]
        })
    }

    func testTheSameWeightsApplyAtAnySize() throws {
        // An 8x8 model's forward pass on 6x5 images equals a 6x5 model's with the same weights.
        let trained = try PixelCNNPlusPlus(configuration: Self.configuration(), seed: 4)
        var small = Self.configuration()
        (small.height, small.width) = (6, 5)
        let other = try PixelCNNPlusPlus(configuration: small, seed: 9)
        try other.loadWeights(trained.namedWeights(), source: "trained")
        var rng = Xoshiro256(seed: 1)
        let x = Tensor(shape: [2, 1, 6, 5], scalars: (0..<60).map { _ in rng.nextUniform() * 2 - 1 })
        XCTAssertEqual(trained.negativeLogLikelihood(of: x), other.negativeLogLikelihood(of: x))
        XCTAssertTrue(trained.negativeLogLikelihood(of: x).allSatisfy { $0.isFinite })
    }
}
