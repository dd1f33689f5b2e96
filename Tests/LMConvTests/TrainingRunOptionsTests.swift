import Foundation
import LMConv
import TestSupport
import XCTest

/// What a run directory gains from the reference's options: checkpoint history, sample pictures, evaluation at every
/// training size, fine-tuning from another checkpoint with its optimizer state.
final class TrainingRunOptionsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("runopt-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    static let configuration = ModelConfiguration(height: 8, width: 8, binarize: true, filters: 4, resnets: 1)
    static let orders = OrderSpecification(names: ["s_curve"], variants: 8)

    func start(_ name: String, options: TrainingOptions = TrainingOptions(), schedule: TrainingSchedule,
               configuration: ModelConfiguration = configuration, orders: OrderSpecification = orders,
               initFrom: FineTuning? = nil, test: Bool = false) throws -> TrainingRun {
        var options = options
        options.batchSize = 6
        options.learningRate = 1e-2
        return try TrainingRun.start(directory: directory.appendingPathComponent(name), configuration: configuration,
                                     orders: orders, options: options, data: TrainingOptionsTests.data(),
                                     dataSource: "tiny", testData: test ? TrainingOptionsTests.data(count: 6, seed: 9) : nil,
                                     testDataSource: test ? "tiny-test" : nil, schedule: schedule, initFrom: initFrom)
    }

    func testKeepEveryAndSampleEveryWriteHistoryAndPictures() throws {
        var schedule = TrainingSchedule(totalSteps: 4)
        schedule.keepEvery = 2
        schedule.sampleEvery = 2
        schedule.sampleCount = 4
        let run = try start("history", schedule: schedule)
        var sampled: [Int] = []
        try run.run { if case .sampled(_, let step) = $0 { sampled.append(step) } }
        XCTAssertEqual(sampled, [2, 4])
        for step in [2, 4] {
            let kept = try Checkpoint.read(contentsOf: run.keptCheckpointURL(step: step))
            XCTAssertEqual(kept.training?.step, step)
            let url = run.samplesURL(step: step)
            let picture = try PNG.decode(Array(try DataFile.read(url.path)), source: url.path)
            XCTAssertEqual(picture.width, 2 * 8 + 2)           // a 2x2 grid of 8x8 images, 2 pixels apart
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.keptCheckpointURL(step: 1).path))
        XCTAssertEqual(try Checkpoint.read(contentsOf: run.keptCheckpointURL(step: 4)).weights,
                       try Checkpoint.read(contentsOf: run.lastCheckpointURL).weights)
        let info = try XCTUnwrap(try TrainingRun.info(in: run.directory))
        XCTAssertEqual(info.schedule.keepEvery, 2)
        XCTAssertEqual(info.schedule.sampleEvery, 2)
        // A new run over it takes the old history and pictures away.
        _ = try TrainingRun.start(directory: run.directory, configuration: Self.configuration, orders: Self.orders,
                                  options: TrainingOptions(), data: TrainingOptionsTests.data(), dataSource: "tiny",
                                  schedule: TrainingSchedule(totalSteps: 1), overwrite: true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.keptCheckpointURL(step: 2).path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.samplesURL(step: 2).path))
    }

    func testEvaluationAtEveryTrainingSize() throws {
        var options = TrainingOptions()
        options.resizeSizes = [ImageSize(height: 4, width: 4), ImageSize(height: 8, width: 8)]
        var schedule = TrainingSchedule(totalSteps: 2)
        schedule.evalEvery = 2
        let run = try start("sizes", options: options, schedule: schedule, test: true)
        try run.run()
        let records = try MetricsLog.records(in: run.metricsURL).filter { $0["test_bpd"] != nil }
        XCTAssertEqual(records.count, 1)
        let record = records[0]
        let small = try XCTUnwrap(record["test_bpd_4x4"] as? Double), full = try XCTUnwrap(record["test_bpd_8x8"] as? Double)
        XCTAssertEqual(record["test_bpd"] as? Double, full)        // the data's own size picks best.safetensors
        XCTAssertNotEqual(small, full)
        // The same number as evaluating the resized test images directly.
        let model = try Checkpoint.read(contentsOf: run.lastCheckpointURL).makeModel()
        let test = TrainingOptionsTests.data(count: 6, seed: 9).resized(to: ImageSize(height: 4, width: 4), method: .area)
        let order = try Self.orders.orders(height: 4, width: 4)[0]
        let direct = try model.evaluate(test, orders: [order], encoding: .dynamicBinarization, batchSize: 50,
                                        seed: 0 &+ 0x7E57)
        XCTAssertEqual(direct.bitsPerDimension, small, accuracy: 1e-9)
    }

    func testInitFromTakesWeightsAndOptimizerStateUnlessReset() throws {
        let source = try start("source", schedule: TrainingSchedule(totalSteps: 3))
        try source.run()
        let checkpoint = try Checkpoint.read(contentsOf: source.lastCheckpointURL)
        let tuning = FineTuning(checkpoint: checkpoint, source: source.lastCheckpointURL.path)
        let tuned = try start("tuned", schedule: TrainingSchedule(totalSteps: 2), initFrom: tuning)
        XCTAssertEqual(tuned.trainer.model.namedWeights(), checkpoint.weights)
        XCTAssertEqual(tuned.trainer.step, 0)
        XCTAssertEqual(tuned.trainer.optimizerStep, 3)              // Adam's bias correction continues
        XCTAssertEqual(tuned.trainer.checkpoint().optimizerMoments?.first, checkpoint.optimizerMoments?.first)
        try tuned.run()
        let tunedCheckpoint = try Checkpoint.read(contentsOf: tuned.lastCheckpointURL)
        XCTAssertEqual(tunedCheckpoint.training?.step, 2)
        XCTAssertEqual(tunedCheckpoint.training?.optimizerStep, 5)
        XCTAssertEqual(try TrainingRun.info(in: tuned.directory)?.initFrom, source.lastCheckpointURL.path)
        // A resumed fine-tuned run keeps its optimizer's count.
        let resumed = try TrainingRun.resume(directory: tuned.directory, data: TrainingOptionsTests.data(), dataSource: "tiny",
                                             schedule: TrainingSchedule(totalSteps: 3))
        XCTAssertEqual(resumed.trainer.optimizerStep, 5)
        XCTAssertEqual(try TrainingRun.info(in: tuned.directory)?.initFrom, source.lastCheckpointURL.path)

        let reset = try start("reset", schedule: TrainingSchedule(totalSteps: 1),
                              initFrom: FineTuning(checkpoint: checkpoint, source: "source", resetOptimizer: true))
        XCTAssertEqual(reset.trainer.optimizerStep, 0)
        XCTAssertEqual(reset.trainer.model.namedWeights(), checkpoint.weights)
        // A checkpoint of another shape is refused, naming the file.
        var other = Self.configuration
        other.filters = 6
        XCTAssertThrowsError(try start("other", schedule: TrainingSchedule(totalSteps: 1), configuration: other,
                                       initFrom: tuning)) { XCTAssertTrue("\($0)".contains("source"), "\($0)") }
    }

    func testInitFromAReferenceCheckpoint() throws {
        // The reference's .pth (binary-28 fixture): weights only, no optimizer state of ours.
        let pth = fixturesDirectory.appendingPathComponent("binary-28/checkpoint.pth")
        let checkpoint = try Checkpoint.load(contentsOf: pth)
        var cfg = checkpoint.configuration
        cfg.height = 8
        cfg.width = 8
        let run = try start("pth", schedule: TrainingSchedule(totalSteps: 1), configuration: cfg,
                            orders: checkpoint.orders, initFrom: FineTuning(checkpoint: checkpoint, source: pth.path))
        XCTAssertEqual(run.trainer.model.namedWeights(), checkpoint.weights)
        XCTAssertEqual(run.trainer.optimizerStep, 0)
        try run.run()
    }
}
