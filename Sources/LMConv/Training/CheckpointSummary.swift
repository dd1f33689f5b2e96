import Foundation

/// What `lmconv info` tells about a checkpoint file of either kind: the model, its orders, its parameter count, the
/// state it carries and where its training stood.
///
/// A swift-lmconv checkpoint tells the step, epoch, learning rate, best test bpd and training options from its
/// `lmconv.training` metadata, and the training data from the `run.json` beside it (a run directory's). A `.pth` of the
/// reference tells `epoch`, `global_step` and its `args` (data set, batch size, learning rate, ...); its training
/// data size is the reference's fixed size for the data set it names.
public struct CheckpointSummary: Sendable {
    /// The file.
    public var source: String
    /// `safetensors`, `pth (zip)` or `pth (legacy)`.
    public var format: String
    public var configuration: ModelConfiguration
    public var orders: OrderSpecification
    /// The names of the concrete orders, in the checkpoint's index order (the indices of `--order-indices`).
    public var orderNames: [String]
    /// The number of scalar parameters (the weights, without EMA copies or optimizer state).
    public var parameterCount: Int
    public var hasEMA: Bool
    public var hasOptimizerState: Bool
    /// Optimizer steps taken (`global_step` of a `.pth`).
    public var step: Int?
    public var epoch: Int?
    public var learningRate: Double?
    public var bestTestBPD: Double?
    /// Training options as JSON text (``TrainingOptions`` of a swift-lmconv checkpoint); nil when unknown.
    public var trainingOptionsJSON: String?
    /// The training data as named when training (a path, `fashion-mnist`, or the reference's `dataset` arg).
    public var trainingData: String?
    /// The number of training images, when known.
    public var trainingImages: Int?
    /// The reference's saved `args` with plain values (numbers, strings, flags, lists of them), `.pth` only.
    public var referenceArgs: [(key: String, value: String)]
    /// The same args as a JSON object (typed values, `None` as null), `.pth` only.
    public var referenceArgsJSON: String?

    /// Reads the summary of the checkpoint at `url` (a swift-lmconv `.safetensors` or a reference `.pth`).
    public static func read(contentsOf url: URL, warnings: ((String) -> Void)? = nil) throws -> CheckpointSummary {
        let kind: FileKind
        do { kind = try FileKind.at(path: url.path) } catch {
            throw LMConvError.fileNotFound(path: url.path, reason: "no such file or not readable")
        }
        switch kind {
        case .zipArchive, .pickleStream: return try torch(url, warnings: warnings)
        default: return try safetensors(url, warnings: warnings)
        }
    }

    private static func safetensors(_ url: URL, warnings: ((String) -> Void)?) throws -> CheckpointSummary {
        let checkpoint = try Checkpoint.load(contentsOf: url, warnings: warnings)
        var summary = try CheckpointSummary(url.path, format: "safetensors", checkpoint)
        summary.hasEMA = checkpoint.emaWeights != nil
        summary.hasOptimizerState = checkpoint.optimizerMoments != nil
        if let training = checkpoint.training {
            summary.step = training.step
            summary.epoch = training.batches.epoch
            summary.learningRate = Double("\(training.learningRate)") ?? Double(training.learningRate)
            summary.bestTestBPD = training.bestTestBPD
            summary.trainingOptionsJSON = try? JSONWriter.string(training.options)
        }
        // A run directory's description of its data, when the checkpoint is one of a run's.
        let runFile = url.deletingLastPathComponent().appendingPathComponent("run.json")
        if FileManager.default.fileExists(atPath: runFile.path) {
            if let info = try? TrainingRunInfo.read(from: runFile) {
                summary.trainingData = info.data
                summary.trainingImages = info.dataImages
            } else {
                warnings?("\(runFile.path): not a valid run description; training data unknown")
            }
        }
        return summary
    }

    private static func torch(_ url: URL, warnings: ((String) -> Void)?) throws -> CheckpointSummary {
        let file = try TorchCheckpoint.read(contentsOf: url)
        let checkpoint = try file.imported(warnings: warnings)
        var summary = try CheckpointSummary(url.path, format: "pth (\(file.format.rawValue))", checkpoint)
        summary.hasEMA = file.root["ema_state_dict"]?.dictValue?.isEmpty == false
        summary.hasOptimizerState = file.root["optimizer_state_dict"] != nil
        summary.step = file.root["global_step"]?.intValue
        summary.epoch = file.root["epoch"]?.intValue
        let args = file.args ?? [:]
        summary.learningRate = args["lr"]?.doubleValue
        if let dataset = args["dataset"]?.stringValue {
            summary.trainingData = dataset
            summary.trainingImages = referenceTrainingImages(dataset)
        }
        summary.referenceArgs = args.keys.sorted().compactMap { key in plainText(args[key]!).map { (key, $0) } }
        let plain = args.compactMapValues(jsonValue)
        summary.referenceArgsJSON = plain.isEmpty ? nil : JSONWriter.string(jsonObject: plain)
        return summary
    }

    private init(_ source: String, format: String, _ checkpoint: Checkpoint) throws {
        self.source = source
        self.format = format
        configuration = checkpoint.configuration
        orders = checkpoint.orders
        orderNames = orders.orderNames
        parameterCount = checkpoint.weights.values.reduce(0) { $0 + $1.count }
        hasEMA = false
        hasOptimizerState = false
        referenceArgs = []
    }

    /// The training set sizes of the reference's data sets (its loaders: torchvision's MNIST and CIFAR-10 training
    /// splits; the 27000 CelebA-HQ training images its progress bar assumes).
    static func referenceTrainingImages(_ dataset: String) -> Int? {
        let name = dataset.lowercased()
        if name.contains("mnist") { return 60000 }
        if name.contains("cifar") { return 50000 }
        if name.contains("celeba") { return 27000 }
        return nil
    }

    /// A value of the reference's args as a JSONSerialization value, when it is plain data.
    private static func jsonValue(_ value: PickleValue) -> Any? {
        switch value {
        case .none: return NSNull()
        case .bool(let b): return b
        case .int(let v): return v
        case .float(let v): return v.isFinite ? v : nil
        case .string(let s): return s
        case .list(let items), .tuple(let items):
            let parts = items.compactMap(jsonValue)
            return parts.count == items.count ? parts : nil
        default: return nil
        }
    }

    /// A value of the reference's args as text, when it is plain data.
    private static func plainText(_ value: PickleValue) -> String? {
        switch value {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let v): return String(v)
        case .float(let v): return String(v)
        case .string(let s): return s
        case .list(let items), .tuple(let items):
            let parts = items.compactMap(plainText)
            return parts.count == items.count ? "[" + parts.joined(separator: ", ") + "]" : nil
        default: return nil
        }
    }
}
