import Foundation
import LMConv
import LMConvDistributed
import TestSupport
import XCTest

/// Data-parallel training and sharded evaluation, with ranks as threads (``ThreadCommunicator``): any number of
/// ranks follows one process's trajectory up to float summation order, and resumes exactly with the same number.
final class DistributedTrainingTests: XCTestCase {
    /// 23 random 6x6 grayscale images (an odd count: epochs end in a short batch).
    static let data: ImageDataset = {
        var rng = Xoshiro256(seed: 11)
        return ImageDataset(count: 23, channels: 1, height: 6, width: 6,
                            pixels: (0..<(23 * 36)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }()

    /// Binarized (so dynamic binarisation draws), with dropout (so dropout draws), 8 orders (so the order draws).
    static func makeTrainer(_ communicator: any Communicator, batchSize: Int = 5) throws -> Trainer {
        let cfg = ModelConfiguration(height: 6, width: 6, binarize: true, filters: 4, resnets: 1, dropout: 0.3)
        var options = TrainingOptions()
        options.batchSize = batchSize
        // The paper's rate. At 1e-3 and above these tiny models amplify rounding-level differences chaotically: a
        // 1e-7 change of one initial weight moves the losses of steps 15-20 by 1e-3 (docs/SCALING.md).
        options.learningRate = 2e-4
        options.seed = 5
        return try Trainer(model: try LocallyMaskedPixelCNN(configuration: cfg, seed: 5),
                           orders: OrderSpecification(names: ["s_curve"], variants: 8), data: data, options: options,
                           communicator: communicator)
    }

    /// Each rank's (losses, final weights) after `steps` steps.
    static func train(ranks: Int, steps: Int, batchSize: Int = 5) throws -> [(losses: [Double], weights: [Float])] {
        try ThreadCommunicator.run(size: ranks) { communicator in
            let trainer = try makeTrainer(communicator, batchSize: batchSize)
            let losses = try (0..<steps).map { _ in try trainer.trainStep().loss }
            return (losses, trainer.model.parameters.allValues)
        }.map { try $0.get() }
    }

    func testShardsCoverEveryItemOnceInOrderAndEvenly() {
        for count in 0...11 {
            for size in 1...5 {
                let shards = (0..<size).map { Shard(count: count, rank: $0, size: size) }
                XCTAssertEqual(shards.flatMap { Array($0.range) }, Array(0..<count), "\(count) items, \(size) ranks")
                let sizes = shards.map(\.range.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
            }
        }
    }

    func testShardGatherPutsEveryRanksValuesInItemOrder() throws {
        let gathered = try ThreadCommunicator.run(size: 3) { communicator in
            let shard = Shard(count: 7, communicator: communicator)
            return try shard.gather(shard.range.flatMap { [Double($0), -Double($0)] }, width: 2, communicator: communicator)
        }.map { try $0.get() }
        for values in gathered { XCTAssertEqual(values, (0..<7).flatMap { [Double($0), -Double($0)] }) }
    }

    func testDerivedGeneratorsDependOnEveryPartOfTheirKey() {
        func first(_ seed: UInt64, _ purpose: RandomPurpose, _ step: Int, _ image: Int) -> UInt64 {
            var rng = Xoshiro256(seed: seed, purpose: purpose, step: step, image: image)
            return rng.next()
        }
        let base = first(1, .dropout, 2, 3)
        XCTAssertEqual(first(1, .dropout, 2, 3), base)
        for other in [first(0, .dropout, 2, 3), first(1, .binarization, 2, 3), first(1, .dropout, 3, 3),
                      first(1, .dropout, 2, 4), first(1, .dropout, 3, 2)] {
            XCTAssertNotEqual(other, base)
        }
    }

    func testAnyNumberOfRanksFollowsOneProcessesTrajectory() throws {
        let one = try Self.train(ranks: 1, steps: 6)[0]
        let single = try Self.makeTrainer(SingleProcessCommunicator())
        XCTAssertEqual(try (0..<6).map { _ in try single.trainStep().loss }, one.losses,
                       "a ThreadCommunicator of 1 is a single process")
        // 2 and 3 ranks; 7 ranks leave some ranks without an image of a 5-image batch (and of the short last one).
        for ranks in [2, 3, 7] {
            let results = try Self.train(ranks: ranks, steps: 6)
            for (rank, r) in results.enumerated() {
                assertClose(r.losses, one.losses, relativeTolerance: 1e-5, "\(ranks) ranks, rank \(rank) losses")
                // Adam's m/sqrt(v) turns rounding-level differences of near-zero gradients into visible ones (up
                // to a step of lr = 2e-4): the weights agree to a tenth of one step.
                assertClose(r.weights, one.weights, relativeTolerance: 1e-3, absoluteTolerance: 2e-5,
                            "\(ranks) ranks, rank \(rank) weights")
                XCTAssertEqual(r.weights, results[0].weights, "every rank holds the same weights")
            }
        }
    }

    func testResumeWithTheSameRanksIsExactAndWithOthersCorrect() throws {
        let straight = try Self.train(ranks: 2, steps: 8)[0]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dist-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        let firstHalf = try ThreadCommunicator.run(size: 2) { communicator in
            let trainer = try Self.makeTrainer(communicator)
            let losses = try (0..<4).map { _ in try trainer.trainStep().loss }
            if communicator.isRoot { try trainer.checkpoint().write(to: file) }
            return losses
        }.map { try $0.get() }[0]
        for ranks in [2, 1, 3] {
            let secondHalf = try ThreadCommunicator.run(size: ranks) { communicator in
                let trainer = try Trainer(resuming: try Checkpoint.read(contentsOf: file), data: Self.data,
                                          source: file.path, communicator: communicator)
                let losses = try (0..<4).map { _ in try trainer.trainStep().loss }
                return (losses, trainer.model.parameters.allValues)
            }.map { try $0.get() }[0]
            if ranks == 2 {
                XCTAssertEqual(firstHalf + secondHalf.0, straight.losses)
                XCTAssertEqual(secondHalf.1, straight.weights)
            } else {
                assertClose(firstHalf + secondHalf.0, straight.losses, relativeTolerance: 1e-5, "resumed with \(ranks)")
                assertClose(secondHalf.1, straight.weights, relativeTolerance: 1e-3, absoluteTolerance: 2e-5)
            }
        }
    }

    func testEvaluationSplitBetweenRanksGivesOneProcessesNumbers() throws {
        @Sendable func evaluate(_ communicator: any Communicator) throws -> DatasetEvaluation {
            let model = try XCTUnwrap(Self.makeTrainer(SingleProcessCommunicator()).model as? LocallyMaskedPixelCNN)   // every rank builds its own
            let orders = try OrderSpecification(names: ["s_curve"], variants: 8).orders(height: 6, width: 6)
            return try model.evaluate(Self.data, orders: Array(orders.prefix(3)), encoding: .dynamicBinarization,
                                      batchSize: 4, seed: 9, communicator: communicator)
        }
        // Up to float32 rounding: a rank's batches hold other images than one process's, and BLAS kernels (OpenBLAS's
        // AVX-512 ones, for instance) sum in an order that depends on the matrix shapes (seen: 4e-9 relative).
        let one = try evaluate(SingleProcessCommunicator())
        for result in try ThreadCommunicator.run(size: 3, { try evaluate($0) }).map({ try $0.get() }) {
            assertClose(result.perImagePerOrderNLL.flatMap { $0 }, one.perImagePerOrderNLL.flatMap { $0 },
                        relativeTolerance: 1e-6)
            assertClose(result.perImageNLL, one.perImageNLL, relativeTolerance: 1e-6)
        }
        // An image's binarisation depends on its index and the seed, not on its batch: batches of 1 agree too.
        let model = try XCTUnwrap(Self.makeTrainer(SingleProcessCommunicator()).model as? LocallyMaskedPixelCNN)
        let orders = try OrderSpecification(names: ["s_curve"], variants: 8).orders(height: 6, width: 6)
        let unbatched = try model.evaluate(Self.data, orders: Array(orders.prefix(3)), encoding: .dynamicBinarization,
                                           batchSize: 1, seed: 9)
        assertClose(unbatched.perImageNLL, one.perImageNLL, relativeTolerance: 1e-6)
    }

    func testRanksThatDisagreeOnTheirDataAllRefuseToStart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dist-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcomes = ThreadCommunicator.run(size: 2) { communicator in
            let data = communicator.isRoot ? Self.data : Self.data.prefix(22)
            _ = try TrainingRun.start(directory: directory, configuration: ModelConfiguration(height: 6, width: 6,
                                      binarize: true, filters: 4, resnets: 1),
                                      orders: OrderSpecification(names: ["s_curve"], variants: 1),
                                      options: TrainingOptions(), data: data, dataSource: "test",
                                      schedule: TrainingSchedule(totalSteps: 1), communicator: communicator)
        }
        for outcome in outcomes {
            XCTAssertThrowsError(try outcome.get()) { XCTAssertTrue("\($0)".contains("do not agree"), "\($0)") }
        }
    }
}

/// |a − e| <= relativeTolerance · |e| for every element (doubles).
private func assertClose(_ actual: [Double], _ expected: [Double], relativeTolerance: Double,
                         _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        return XCTFail("count \(actual.count) != \(expected.count) \(message())", file: file, line: line)
    }
    for (i, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= relativeTolerance * abs(e)) {
        return XCTFail("element \(i): \(a) vs \(e) \(message())", file: file, line: line)
    }
}
