import Foundation
import LMConv
import LMConvDistributed
import TestSupport
import XCTest

/// The reference's training options and the PixelCNN++ baseline under several ranks (threads): still one
/// process's trajectory up to float summation order.
final class DistributedTrainingOptionsTests: XCTestCase {
    static func makeTrainer(_ communicator: any Communicator, baseline: Bool) throws -> Trainer {
        var cfg = ModelConfiguration(height: 8, width: 8, binarize: true, filters: 4, resnets: 1, dropout: 0.2)
        var options = TrainingOptions()
        options.batchSize = 5
        options.learningRate = 2e-4                                // see DistributedTrainingTests
        options.seed = 3
        options.accumulate = 2
        options.weightDecay = 1e-2
        options.minimizeBPD = true
        let model: any TrainableNetwork
        let orders: OrderSpecification
        options.resizeSizes = [ImageSize(height: 8, width: 8), ImageSize(height: 4, width: 4)]
        if baseline {
            cfg.network = .pixelCNNPlusPlus
            model = try PixelCNNPlusPlus(configuration: cfg, seed: 3)
            orders = OrderSpecification(names: ["raster_scan"], variants: 1)
        } else {
            options.orderIndices = [0, 5, 6]
            model = try LocallyMaskedPixelCNN(configuration: cfg, seed: 3)
            orders = OrderSpecification(names: ["s_curve"], variants: 8)
        }
        return try Trainer(model: model, orders: orders, data: TrainingOptionsTests.data(count: 13), options: options,
                           communicator: communicator)
    }

    func testThreeRanksFollowOneProcess() throws {
        for baseline in [false, true] {
            let single = try Self.makeTrainer(SingleProcessCommunicator(), baseline: baseline)
            let losses = try (0..<4).map { _ in try single.trainStep().loss }
            let ranks = try ThreadCommunicator.run(size: 3) { communicator in
                let trainer = try Self.makeTrainer(communicator, baseline: baseline)
                return (try (0..<4).map { _ in try trainer.trainStep().loss }, trainer.model.parameters.allValues)
            }.map { try $0.get() }
            for (rankLosses, weights) in ranks {
                for (got, want) in zip(rankLosses, losses) {
                    XCTAssertEqual(got, want, accuracy: abs(want) * 1e-5, "baseline \(baseline)")
                }
                assertClose(weights, single.model.parameters.allValues, relativeTolerance: 1e-3, absoluteTolerance: 2e-5)
            }
        }
    }
}
