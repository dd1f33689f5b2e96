import Foundation
import LMConvDistributed

/// A training run in a directory: `last.safetensors` (every checkpoint, atomically), `best.safetensors` (lowest test
/// bpd, when there is test data), `metrics.jsonl` (append-only) and `run.json` (data and schedule).
///
/// ``start(directory:configuration:orders:options:data:dataSource:dataLimit:testData:testDataSource:schedule:overwrite:)`` begins a new
/// run, ``resume(directory:data:dataSource:dataLimit:testData:testDataSource:schedule:)`` continues one exactly where its last
/// checkpoint stopped: same batches, orders, binarisation and dropout draws, so the weights equal those of an
/// uninterrupted run.
///
/// Under a communicator of several ranks, every rank makes the same calls; rank 0 alone writes the directory's
/// files (the others read `last.safetensors` on resume, so the directory must be visible to every rank), and test
/// evaluations are split between the ranks.
public final class TrainingRun {
    public let directory: URL
    public let trainer: Trainer
    public let testData: ImageDataset?
    public private(set) var schedule: TrainingSchedule
    let metrics: MetricsLog?          // rank 0 only
    /// The test data at each training size (the data's own, or each of the resize sizes).
    let testSets: [(size: ImageSize, data: ImageDataset)]
    var communicator: any Communicator { trainer.communicator }

    public var lastCheckpointURL: URL { directory.appendingPathComponent("last.safetensors") }
    public var bestCheckpointURL: URL { directory.appendingPathComponent("best.safetensors") }
    public var metricsURL: URL { directory.appendingPathComponent("metrics.jsonl") }
    public var infoURL: URL { directory.appendingPathComponent("run.json") }
    /// The checkpoint kept at `step` (``TrainingSchedule/keepEvery``).
    public func keptCheckpointURL(step: Int) -> URL { directory.appendingPathComponent("step-\(step).safetensors") }
    /// The picture of samples drawn at `step` (``TrainingSchedule/sampleEvery``).
    public func samplesURL(step: Int) -> URL { directory.appendingPathComponent("samples-step-\(step).png") }

    static func lastCheckpointURL(in directory: URL) -> URL { directory.appendingPathComponent("last.safetensors") }

    private init(directory: URL, trainer: Trainer, testData: ImageDataset?, schedule: TrainingSchedule,
                 metrics: MetricsLog?) {
        self.directory = directory
        self.trainer = trainer
        self.testData = testData
        var schedule = schedule
        if let epochs = schedule.epochs {
            let accumulate = trainer.options.accumulate
            schedule.totalSteps = (epochs * trainer.batchesPerEpoch + accumulate - 1) / accumulate
        }
        self.schedule = schedule
        self.metrics = metrics
        let own = trainer.dataSize
        testSets = testData.map { test in
            trainer.sizes.map { size in
                (size, size == ImageSize(height: test.height, width: test.width) ? test
                    : test.resized(to: size, method: trainer.options.resizeMethod
                                   ?? (size.height * size.width < own.height * own.width ? .area : .bilinear)))
            }
        } ?? []
    }

    /// Begins a new run in `directory` (created when missing) with a model freshly initialised from the options'
    /// seed. Throws when the directory already holds a run, unless `overwrite`.
    public static func start(directory: URL, configuration: ModelConfiguration, orders: OrderSpecification,
                             options: TrainingOptions, data: ImageDataset, dataSource: String, dataLimit: Int? = nil,
                             testData: ImageDataset? = nil, testDataSource: String? = nil,
                             schedule: TrainingSchedule, overwrite: Bool = false, initFrom: FineTuning? = nil,
                             communicator: any Communicator = SingleProcessCommunicator()) throws -> TrainingRun {
        try schedule.validate()
        try configuration.validate()
        try orders.checkNames()
        try configuration.checkFits(data, dataSource: dataSource, modelSource: "the new run")
        if let testData { try configuration.checkFits(testData, dataSource: testDataSource ?? "test data", modelSource: "the new run") }
        let last = lastCheckpointURL(in: directory)
        let model = try makeTrainableNetwork(configuration: configuration, seed: options.seed)
        if let initFrom {
            guard initFrom.checkpoint.configuration.network == configuration.network else {
                throw LMConvError.invalidOption(name: "--init-from", value: initFrom.source,
                                                reason: "holds a \(initFrom.checkpoint.configuration.network.rawValue) network, "
                                                + "the run trains \(configuration.network.rawValue)")
            }
            try model.parameters.load(initFrom.checkpoint.weights, source: initFrom.source)
        }
        let trainer = try Trainer(model: model, orders: orders, data: data, options: options, communicator: communicator)
        if let initFrom, !initFrom.resetOptimizer, initFrom.checkpoint.optimizerMoments != nil {
            try trainer.loadOptimizerState(initFrom.checkpoint, source: initFrom.source)
        }
        try checkRanksAgree(trainer, data: data)
        var metrics: MetricsLog?
        try communicator.onRoot {
            if !overwrite && FileManager.default.fileExists(atPath: last.path) {
                throw LMConvError.alreadyExists(path: directory.path, reason: "already holds a training run (last.safetensors); resume it, "
                    + "overwrite it, or choose another output directory")
            }
            try createDirectory(directory)
            if overwrite {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent("best.safetensors"))
                try? FileManager.default.removeItem(at: last)
                // The old run's checkpoint history and pictures (--keep-every, --sample-every) go with it.
                let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
                for name in files where (name.hasPrefix("step-") && name.hasSuffix(".safetensors"))
                    || (name.hasPrefix("samples-step-") && name.hasSuffix(".png")) {
                    try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
                }
            }
            metrics = try MetricsLog(url: directory.appendingPathComponent("metrics.jsonl"), fresh: true)
        }
        let run = TrainingRun(directory: directory, trainer: trainer, testData: testData, schedule: schedule, metrics: metrics)
        try communicator.onRoot {
            try TrainingRunInfo(data: dataSource, dataLimit: dataLimit, dataImages: data.count,
                                dataFingerprint: data.fingerprint, testData: testDataSource,
                                schedule: run.schedule, initFrom: initFrom?.source,
                                resetOptimizer: initFrom.map { $0.resetOptimizer }).write(to: run.infoURL)
        }
        return run
    }

    /// The description of the run in `directory` (`run.json`), if it has one.
    public static func info(in directory: URL) throws -> TrainingRunInfo? {
        let url = directory.appendingPathComponent("run.json")
        return FileManager.default.fileExists(atPath: url.path) ? try TrainingRunInfo.read(from: url) : nil
    }

    /// Continues the run in `directory` from its `last.safetensors`. The data must be the run's own (checked
    /// against `run.json` when there is one); `metrics.jsonl` loses the lines past the checkpoint's step.
    public static func resume(directory: URL, data: ImageDataset, dataSource: String, dataLimit: Int? = nil,
                              testData: ImageDataset? = nil,
                              testDataSource: String? = nil, schedule: TrainingSchedule,
                              communicator: any Communicator = SingleProcessCommunicator()) throws -> TrainingRun {
        try schedule.validate()
        let last = lastCheckpointURL(in: directory)
        guard FileManager.default.fileExists(atPath: last.path) else {
            throw LMConvError.fileNotFound(path: last.path,
                                           reason: "no such file; there is no run to resume in \(directory.path)")
        }
        let checkpoint = try Checkpoint.read(contentsOf: last)
        try checkpoint.configuration.checkFits(data, dataSource: dataSource, modelSource: last.path)
        if let testData {
            try checkpoint.configuration.checkFits(testData, dataSource: testDataSource ?? "test data", modelSource: last.path)
        }
        if let info = try info(in: directory), info.dataImages != data.count || info.dataFingerprint != data.fingerprint {
            throw LMConvError.invalidArgument(source: dataSource,
                                              reason: "not the data the run in \(directory.path) was trained on (\(info.data), "
                + "\(info.dataImages) images); resuming needs the same images")
        }
        let trainer = try Trainer(resuming: checkpoint, data: data, source: last.path, communicator: communicator)
        try checkRanksAgree(trainer, data: data)
        var metrics: MetricsLog?
        try communicator.onRoot {
            metrics = try MetricsLog(url: directory.appendingPathComponent("metrics.jsonl"), truncatingAfterStep: trainer.step)
        }
        let run = TrainingRun(directory: directory, trainer: trainer, testData: testData, schedule: schedule, metrics: metrics)
        let previous = try info(in: directory)
        try communicator.onRoot {
            try TrainingRunInfo(data: dataSource, dataLimit: dataLimit, dataImages: data.count,
                                dataFingerprint: data.fingerprint, testData: testDataSource,
                                schedule: run.schedule, initFrom: previous?.initFrom,
                                resetOptimizer: previous?.resetOptimizer).write(to: run.infoURL)
        }
        return run
    }

    private static func createDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw LMConvError.unwritable(path: url.path,
                                         reason: "cannot create the output directory (\(error.localizedDescription))")
        }
    }

    /// Trains until `schedule.totalSteps`, logging, evaluating and checkpointing on schedule and at the end. A
    /// non-finite loss throws before any weight changes, leaving the last checkpoint as it was.
    ///
    /// `stopRequested` is asked after every step of a single-process run; when it answers true the run writes its
    /// checkpoint at that step (unless the schedule just did) and returns ``TrainingRunEnd/stopped(step:)``, so that
    /// a resumed run continues exactly. Distributed runs do not ask it (their ranks could not agree on the step
    /// without a collective call every step).
    @discardableResult
    public func run(onEvent: (TrainingEvent) -> Void = { _ in },
                    stopRequested: () -> Bool = { false }) throws -> TrainingRunEnd {
        var windowStart = Date(), windowImages = 0, windowNLL = 0.0, windowSteps = 0, windowAllreduce = 0.0, windowWait = 0.0
        var windowDimensions = 0
        var lastCheckpointed = trainer.step
        while trainer.step < schedule.totalSteps {
            let result = try trainer.trainStep()
            let step = trainer.step
            windowImages += result.batchSize
            windowDimensions += result.dimensions
            windowNLL += result.loss
            windowSteps += 1
            windowAllreduce += result.allreduceSeconds
            windowWait += result.waitSeconds
            let elapsed = max(Date().timeIntervalSince(windowStart), 1e-9)
            let imagesPerSecond = Double(windowImages) / elapsed
            onEvent(.step(result, step: step, totalSteps: schedule.totalSteps, imagesPerSecond: imagesPerSecond))
            let isLast = step == schedule.totalSteps
            if step % schedule.logEvery == 0 || isLast {
                let nll = windowNLL / Double(windowImages)
                var fields: [(String, MetricsValue)] = [
                    ("epoch", .int(trainer.epoch)),
                    ("train_bpd", .double(bitsPerDimension(nats: windowNLL, dimensions: windowDimensions))),
                    ("train_nll", .double(nll)),
                    ("lr", .double(Double("\(trainer.learningRate)") ?? Double(trainer.learningRate))),
                    ("images_per_s", .double((imagesPerSecond * 10).rounded() / 10)),
                ]
                if communicator.isDistributed {   // mean milliseconds per step of the window
                    func ms(_ seconds: Double) -> MetricsValue { .double((seconds / Double(windowSteps) * 1e5).rounded() / 100) }
                    fields += [("ranks", .int(communicator.size)), ("allreduce_ms", ms(windowAllreduce)),
                               ("wait_ms", ms(windowWait))]
                }
                let record = MetricsRecord(step: step, fields)
                try communicator.onRoot { try metrics?.append(record) }
                onEvent(.logged(record))
                windowStart = Date(); windowImages = 0; windowNLL = 0; windowSteps = 0; windowAllreduce = 0; windowWait = 0
                windowDimensions = 0
            }
            if testData != nil && ((schedule.evalEvery > 0 && step % schedule.evalEvery == 0) || isLast) {
                try evaluate(onEvent: onEvent)
            }
            if let every = schedule.sampleEvery, step % every == 0 {
                let url = try writeSamples()
                onEvent(.sampled(url, step: step))
            }
            if step % schedule.checkpointEvery == 0 || isLast {
                try writeCheckpoint(to: lastCheckpointURL)
                lastCheckpointed = step
                onEvent(.checkpointWritten(lastCheckpointURL, step: step))
            }
            if let every = schedule.keepEvery, step % every == 0 {
                let kept = keptCheckpointURL(step: step)
                try writeCheckpoint(to: kept)
                onEvent(.checkpointWritten(kept, step: step))
            }
            if windowImages == 0 { windowStart = Date() }   // evaluations and checkpoints do not count as training time
            if !communicator.isDistributed && !isLast && stopRequested() {
                if lastCheckpointed != step {
                    try writeCheckpoint(to: lastCheckpointURL)
                    lastCheckpointed = step
                    onEvent(.checkpointWritten(lastCheckpointURL, step: step))
                }
                return .stopped(step: step)
            }
        }
        // Already at or past the end (a resumed run that was complete): make sure the last checkpoint exists.
        var missing: [Int64] = [lastCheckpointed != trainer.step
                                || !FileManager.default.fileExists(atPath: lastCheckpointURL.path) ? 1 : 0]
        try communicator.allreduceMax(&missing)        // every rank takes the same branch (writing is collective)
        if missing[0] == 1 {
            try writeCheckpoint(to: lastCheckpointURL)
            onEvent(.checkpointWritten(lastCheckpointURL, step: trainer.step))
        }
        return .finished
    }

    /// Writes a checkpoint on rank 0; every rank learns whether it worked.
    func writeCheckpoint(to url: URL) throws {
        try communicator.onRoot {
            do { try trainer.checkpoint().write(to: url) } catch let e as LMConvError { throw e } catch {
                throw LMConvError.unwritable(path: url.path, reason: "cannot write the checkpoint (\(error.localizedDescription))")
            }
        }
    }

    /// Throws on every rank unless all ranks train the same data with the same options from the same step (a rank
    /// started with other arguments or data would otherwise silently sum gradients of a different model).
    private static func checkRanksAgree(_ trainer: Trainer, data: ImageDataset) throws {
        let communicator = trainer.communicator
        guard communicator.isDistributed else { return }
        func hash(_ text: String) -> Int64 {   // FNV-1a, the same in every process (unlike Hasher)
            Int64(bitPattern: text.utf8.reduce(0xCBF2_9CE4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let options = (try? String(decoding: encoder.encode(trainer.options), as: UTF8.self)) ?? ""
        let config = (try? String(decoding: encoder.encode(trainer.model.configuration), as: UTF8.self)) ?? ""
        let facts: [Int64] = [Int64(data.count), hash(data.fingerprint), Int64(trainer.step), hash(options),
                              hash(config), hash(trainer.orderSpecification.orderNames.joined(separator: ",")),
                              Int64(trainer.model.parameters.totalCount)]
        var extremes = facts + facts.map { $0 == .min ? .max : -$0 }   // max of v and of −v: equal iff max == min
        try communicator.allreduceMax(&extremes)
        let n = facts.count
        guard (0..<n).allSatisfy({ extremes[$0] == facts[$0] && extremes[n + $0] == -facts[$0] || facts[$0] == .min }) else {
            throw LMConvError.invalidArgument(source: communicator.rankDescription, reason: "the ranks do not agree on the data, options or step "
                + "(every rank must get the same arguments and the same data)")
        }
    }
}
