import ArgumentParser
import Foundation
import LMConv
import LMConvDistributed

/// `lmconv train`: trains a model, checkpointing into a run directory; `--resume` continues exactly.
struct TrainCommand: JobCommand {
    /// The model the defaults describe (the model options take their defaults from it).
    private static let defaultModel = ModelConfiguration()

    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a Locally Masked PixelCNN or the PixelCNN++ baseline.",
        discussion: """
            Writes DIR/last.safetensors (model, optimizer, step, data order, configuration) every \
            --checkpoint-every steps and at the end, DIR/best.safetensors (lowest test bpd, with --test-data), \
            DIR/metrics.jsonl (one JSON object per logged step and per evaluation) and DIR/run.json (data and \
            schedule). --resume continues from DIR/last.safetensors exactly as if the run had never stopped; model \
            and training options then come from the checkpoint.

            Defaults are for small CPU runs: F \(defaultModel.filters), R \(defaultModel.resnets), \
            k \(defaultModel.kernelSize), D \(defaultModel.maxDilation), \(defaultModel.normalization.rawValue), \
            \(defaultModel.mixtures) mixtures, s_curve with 8 variants, batch \
            32, learning rate 1e-3 (the paper's 2e-4 suits its long GPU runs; short runs learn much faster at 1e-3), \
            decay 0.999995 per epoch as in the reference.

            --model pixelcnn++ trains the reference's PixelCNN++ baseline (baseline.py) in raster order with the \
            same loop, options and checkpoints; the options only the locally masked network has (--order, \
            --variants, --order-indices, --kernel-size, --max-dilation, --normalization, --no-bias, \
            --learn-mask-weights) are refused. --init-from M fine-tunes a new run from M's weights \
            (the model, and unless given the orders, come from M) and its Adam state when it has one.

            Under mpirun (`mpirun -np N lmconv train ...`, a build with Open MPI) the N processes train as one: \
            --batch-size stays the whole batch, each rank takes its share and one allreduce per step sums the \
            gradients, so any N follows one process's trajectory (up to float summation order). Rank 0 alone \
            prints and writes the run directory, which every rank must see (one machine or a shared file system) \
            to --resume, with any number of ranks. Test evaluations are split between the ranks.
            """)

    // Data
    @Option(help: ArgumentHelp("Training images: a dataset path or name (see evaluate --help), e.g. 'fashion-mnist' "
                               + "(its training split), 'mnist-5k-train', 'DIR@64,bits5'. With --resume, defaults to "
                               + "the run's own.", valueName: "source"))
    var data: String?

    @Option(help: ArgumentHelp("Test images, evaluated every --eval-every steps and at the end; picks "
                               + "best.safetensors. 'fashion-mnist' is its test split.", valueName: "source"))
    var testData: String?

    @Option(help: "Train on the first N images only.")
    var limit: Int?

    // Model
    @Option(name: .customLong("model"),
            help: ArgumentHelp("The network: lmconv (the locally masked PixelCNN) or pixelcnn++ (the reference's "
                               + "baseline, raster order only) (default lmconv).", valueName: "lmconv|pixelcnn++"))
    var network: NetworkKind?

    @OptionGroup(title: "Model")
    var model: ModelOptions

    // Orders
    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Base generation order(s): \(GenerationOrder.names.joined(separator: ", ")) "
                               + "(default s_curve).", valueName: "name"))
    var order: [String] = []

    @Option(help: "1: the base orders only; 8: each base order's eight reflections and transposes (default 8).")
    var variants: Int?

    @Flag(help: "Transpose the base order(s) before making variants.")
    var baseOrderTranspose = false
    @Flag(help: "Reflect the base order(s)' rows before making variants.")
    var baseOrderReflectRows = false
    @Flag(help: "Reflect the base order(s)' columns before making variants.")
    var baseOrderReflectCols = false

    // Optimisation
    @Option(help: "Images per batch (default 32).")
    var batchSize: Int?

    @Option(name: .customLong("lr"), help: "Adam's learning rate (default 1e-3).")
    var learningRate: Float?

    @Option(name: .customLong("lr-decay"), help: "Learning-rate factor applied once per epoch (default 0.999995).")
    var learningRateDecay: Float?

    @Option(help: "Train until this many steps in all (default: one epoch).")
    var steps: Int?

    @Option(help: "Train for this many epochs in all.")
    var epochs: Int?

    @Option(help: "Clip the gradient norm to this value (default: no clipping).")
    var clip: Float?

    @Option(help: "Keep an exponential moving average of the weights with this decay, e.g. 0.9995 (default: none).")
    var ema: Float?

    @Option(help: "Seed of the initial weights, data order, orders drawn, binarisation and dropout (default 0).")
    var seed: UInt64?

    @Option(help: ArgumentHelp("Replace this fraction of every training image's pixels by uniform noise, e.g. 0.2 for "
                               + "the background model of lmconv score --background (default 0).", valueName: "rate"))
    var perturbRate: Double?

    // Run
    @Option(help: ArgumentHelp("The run directory (created when missing).", valueName: "dir"))
    var output: String

    @Flag(help: "Continue the run in --output from its last.safetensors.")
    var resume = false

    @Flag(help: "Start a new run in --output even if it holds one (its checkpoints and metrics are replaced).")
    var overwrite = false

    @Option(help: "Write last.safetensors every N steps (default 100; also at the end).")
    var checkpointEvery: Int?

    @Option(help: "Evaluate on --test-data every N steps (default 500; 0: only at the end).")
    var evalEvery: Int?

    @Option(help: "Evaluate on the first N test images only (default 1000).")
    var evalLimit: Int?

    @Option(help: ArgumentHelp("Evaluate with the first K training orders (of --order-indices when given; default 1: "
                               + "fast; the ensemble of all is lmconv evaluate's default)."))
    var evalOrders: Int?

    @Option(help: "Append a train record to metrics.jsonl every N steps (default 10).")
    var logEvery: Int?

    @OptionGroup(title: "Training")
    var training: TrainingFlags

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if data == nil && !resume { throw ValidationError("--data is required (a dataset path or fashion-mnist)") }
        if steps != nil && epochs != nil { throw ValidationError("give --steps or --epochs, not both") }
        if resume && overwrite { throw ValidationError("give --resume or --overwrite, not both") }
        if resume && training.initFrom != nil { throw ValidationError("--init-from starts a new run; not with --resume") }
        func positive(_ value: Int?, _ name: String, minimum: Int = 1) throws {
            if let value, value < minimum { throw ValidationError("\(name) must be >= \(minimum), got \(value)") }
        }
        try positive(limit, "--limit")
        try positive(batchSize, "--batch-size")
        try positive(steps, "--steps", minimum: 0)
        try positive(epochs, "--epochs", minimum: 0)
        try positive(checkpointEvery, "--checkpoint-every")
        try positive(evalEvery, "--eval-every", minimum: 0)
        try positive(evalLimit, "--eval-limit")
        try positive(evalOrders, "--eval-orders")
        try positive(logEvery, "--log-every")
        if let v = variants, v != 1 && v != 8 { throw ValidationError("--variants must be 1 or 8, got \(v)") }
        if let lr = learningRate, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be positive, got \(lr)") }
        if let g = learningRateDecay, !(g > 0 && g <= 1) { throw ValidationError("--lr-decay must be in (0, 1], got \(g)") }
        if let c = clip, !(c > 0) { throw ValidationError("--clip must be positive, got \(c)") }
        if let e = ema, !(e >= 0 && e < 1) { throw ValidationError("--ema must be in [0, 1), got \(e)") }
        if let p = perturbRate, !(p >= 0 && p <= 1) { throw ValidationError("--perturb-rate must be in [0, 1], got \(p)") }
        try validateOrderNames(order)
    }

    /// The options that define the model and optimiser, which a resumed run takes from its checkpoint instead.
    var fixedByCheckpoint: [String] {
        var given = model.given + training.given + (network != nil ? ["--model"] : [])
        let optional: [(Any?, String)] = [
            (variants, "--variants"), (batchSize, "--batch-size"), (learningRate, "--lr"),
            (learningRateDecay, "--lr-decay"), (clip, "--clip"), (ema, "--ema"), (seed, "--seed"),
            (perturbRate, "--perturb-rate"),
        ]
        given += optional.filter { $0.0 != nil }.map { $0.1 }
        if !order.isEmpty { given.append("--order") }
        if baseOrderTranspose || baseOrderReflectRows || baseOrderReflectCols { given.append("--base-order-*") }
        return given
    }

    /// The schedule from the options, filling gaps from `base` (a resumed run's run.json) or the defaults.
    func schedule(base: TrainingSchedule?) -> TrainingSchedule {
        var s: TrainingSchedule
        if let steps { s = TrainingSchedule(totalSteps: steps) }
        else if let epochs { s = TrainingSchedule(epochs: epochs) }
        else if let base { s = base }
        else { s = TrainingSchedule(epochs: 1) }
        if let base {
            s.logEvery = base.logEvery; s.checkpointEvery = base.checkpointEvery; s.evalEvery = base.evalEvery
            s.evalLimit = base.evalLimit; s.evalOrders = base.evalOrders; s.evalBatchSize = base.evalBatchSize
        }
        if let logEvery { s.logEvery = logEvery }
        if let checkpointEvery { s.checkpointEvery = checkpointEvery }
        if let evalEvery { s.evalEvery = evalEvery }
        if let evalLimit { s.evalLimit = evalLimit }
        if let evalOrders { s.evalOrders = evalOrders }
        if let base { s.keepEvery = base.keepEvery; s.sampleEvery = base.sampleEvery; s.sampleCount = base.sampleCount }
        training.apply(to: &s)
        return s
    }

    /// A dataset name or the absolute path (with its `@` preparation), as recorded in run.json.
    static func recordedSource(_ source: String) -> String { ImageDataset.recordedSource(source) }

    func run(communicator: any Communicator) throws {
        threadOptions.apply()
        let say: (String) -> Void = communicator.isRoot ? { Terminal.note($0) } : { _ in }
        let directory = URL(fileURLWithPath: output)
        let info = resume ? try TrainingRun.info(in: directory) : nil
        guard let dataSource = data ?? info?.data else {
            throw LMConvError.invalidOption(name: "--data", reason: "not given, and \(directory.path) has no run.json naming the run's data")
        }
        let dataLimit = limit ?? (data == nil ? info?.dataLimit : nil)
        var trainData = try forOption("--data") { try ImageDataset.load(source: dataSource, split: .train) }
        if let dataLimit { trainData = trainData.prefix(dataLimit) }
        let testSource = testData ?? (resume ? info?.testData : nil)
        let test = try testSource.map { s in try forOption("--test-data") { try ImageDataset.load(source: s, split: .test) } }

        try communicator.onRoot {
            if !resume && !overwrite && FileManager.default.fileExists(atPath: directory.appendingPathComponent("last.safetensors").path) {
                throw LMConvError.invalidOption(name: "--output", value: directory.path, reason: "already holds a training run (last.safetensors); add --resume "
                    + "to continue it or --overwrite to start afresh")
            }
        }
        let run: TrainingRun
        if resume {
            let ignored = fixedByCheckpoint
            if !ignored.isEmpty {
                say("note: \(ignored.joined(separator: ", ")) ignored: a resumed run keeps its checkpoint's "
                    + "model and training options")
            }
            run = try TrainingRun.resume(directory: directory, data: trainData, dataSource: Self.recordedSource(dataSource),
                                         dataLimit: dataLimit, testData: test,
                                         testDataSource: testSource.map(Self.recordedSource),
                                         schedule: schedule(base: info?.schedule), communicator: communicator)
            say("resuming \(run.lastCheckpointURL.path) at step \(run.trainer.step)")
        } else {
            let initFrom = try fineTuning()
            let cfg = try configuration(for: trainData, from: initFrom?.checkpoint)
            if model.binarize && trainData.channels != 1 {
                throw LMConvError.invalidOption(name: "--binarize", reason: "\(dataSource) has \(trainData.channels) channels; binarized models take 1")
            }
            let orders = try orderSpecification(for: cfg, from: initFrom?.checkpoint)
            // Fail here, naming the option, for orders the image size does not allow (hilbert, transposes).
            _ = try forOption("--order") { try orders.orders(height: cfg.height, width: cfg.width) }
            var options = TrainingOptions()
            options.batchSize = batchSize ?? 32
            options.learningRate = learningRate ?? 1e-3
            options.learningRateDecay = learningRateDecay ?? 0.999995
            options.clipNorm = clip
            options.emaDecay = ema
            options.seed = seed ?? 0
            options.perturbRate = perturbRate.flatMap { $0 > 0 ? $0 : nil }
            try training.apply(to: &options)
            if let initFrom {
                let what = initFrom.checkpoint.optimizerMoments == nil ? "its weights (it has no optimizer state)"
                    : initFrom.resetOptimizer ? "its weights, Adam afresh (--reset-optimizer)"
                    : "its weights and Adam state (step \(initFrom.checkpoint.training.map { $0.optimizerStep ?? $0.step } ?? initFrom.checkpoint.optimizerStep ?? 0))"
                say("initialising from \(initFrom.source): \(what)")
            }
            run = try TrainingRun.start(directory: directory, configuration: cfg, orders: orders, options: options,
                                        data: trainData, dataSource: Self.recordedSource(dataSource),
                                        dataLimit: dataLimit, testData: test,
                                        testDataSource: testSource.map(Self.recordedSource),
                                        schedule: schedule(base: nil), overwrite: overwrite, initFrom: initFrom,
                                        communicator: communicator)
        }
        let trainer = run.trainer
        let spec = trainer.orderSpecification
        let used = trainer.options.orderIndices.map { "; training on \($0.map(String.init).joined(separator: ","))" } ?? ""
        say("model: \(trainer.model.summary), \(trainer.model.parameters.totalCount) parameters; orders: "
            + "\(trainer.orders.count) (\(spec.names.joined(separator: ", ")), "
            + "\(spec.variants) variant\(spec.variants == 1 ? "" : "s")\(used))")
        if communicator.isDistributed {
            let share = trainer.options.batchSize / communicator.size
            say("ranks: \(communicator.size) (MPI), about \(share) images of each batch per rank")
        }
        say("data: \(dataSource), \(trainData.count) images\(test.map { "; test: \(testSource!), \($0.count) images" } ?? ""); "
            + "batch \(trainer.options.batchSize), lr \(trainer.learningRate), steps \(trainer.step)..\(run.schedule.totalSteps)")
        try train(run, communicator: communicator)
    }

    private func train(_ run: TrainingRun, communicator: any Communicator) throws {
        guard communicator.isRoot else { try run.run(); return }   // the other ranks train silently
        let total = run.schedule.totalSteps, first = run.trainer.step
        let directory = run.lastCheckpointURL.deletingLastPathComponent().path
        let stopSignals = communicator.isDistributed ? nil : StopSignals(
            secondSignalMessage: "error: stopped by a second signal before the step ended; the last checkpoint in \(directory) is intact")
        let bar = ProgressBar("train", total: max(total - first, 1), plainLines: false)
        var evalBar: ProgressBar?
        var lastBPD = Double.nan
        let end = try run.run(onEvent: { event in
            switch event {
            case .step(let result, step: let step, totalSteps: _, imagesPerSecond: let imagesPerSecond):
                lastBPD = result.bitsPerDimension
                bar.update(step - first, extra: String(format: "step %d bpd %.4f %.1f img/s", step, lastBPD, imagesPerSecond))
            case .logged(let record):
                if !Terminal.stderrIsTTY, let bpd = record["train_bpd"]?.number {
                    let ips = record["images_per_s"]?.number ?? 0
                    let elapsed = Date().timeIntervalSince(bar.start)
                    let done = record.step - first
                    let eta = done > 0 ? elapsed / Double(done) * Double(total - record.step) : .nan
                    Terminal.note(String(format: "step %d/%d train bpd %.4f %.1f img/s", record.step, total, bpd, ips)
                        + " ETA " + Terminal.duration(eta))
                }
            case .evaluating(let done, let count):
                if evalBar == nil { evalBar = ProgressBar("test", total: count, plainLines: false) }
                evalBar?.update(done)
            case .evaluated(let step, let bpd, let isBest):
                evalBar = nil
                Terminal.note(String(format: "step %d test bpd %.4f", step, bpd) + (isBest ? " (best)" : ""))
            case .sampled(let url, let step):
                Terminal.note("step \(step) samples: \(url.path)")
            case .checkpointWritten:
                break
            }
        }, stopRequested: { stopSignals?.requested != nil })
        // A run resumed at its last step trains no batch: there is no batch NLL to report.
        bar.finish("step \(run.trainer.step)"
            + (run.trainer.step == first ? ", no step left to train" : ", last batch bpd \(String(format: "%.4f", lastBPD))"))
        if case .stopped(let step) = end, let sig = stopSignals?.requested {
            Terminal.note("stopped by \(StopSignals.name(sig)) after step \(step): wrote \(run.lastCheckpointURL.path); "
                + "lmconv train --resume --output \(directory) continues it")
            throw StoppedBySignal(signal: sig)
        }
        var written = [run.lastCheckpointURL.path]
        if FileManager.default.fileExists(atPath: run.bestCheckpointURL.path) { written.append(run.bestCheckpointURL.path) }
        written.append(run.metricsURL.path)
        print("wrote " + written.joined(separator: ", "))
    }
}
