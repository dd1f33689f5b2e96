import Foundation

/// A model, its orders and, for training checkpoints, the whole state needed to resume: one safetensors file.
///
/// Tensors: the parameters under the reference's names; `optimizer.exp_avg.<name>` / `optimizer.exp_avg_sq.<name>`
/// (Adam's moments, as PyTorch names them); `ema.<name>` (the moving average of the weights). Metadata (JSON
/// strings): `lmconv.format`, `lmconv.model` (``ModelConfiguration``), `lmconv.orders` (``OrderSpecification``),
/// `lmconv.training` (``TrainingState``, training checkpoints only).
public struct Checkpoint: Sendable {
    public static let formatVersion = "swift-lmconv checkpoint 1"
    public var configuration: ModelConfiguration
    public var orders: OrderSpecification
    /// Parameters by reference name.
    public var weights: [String: Tensor]
    /// The exponential moving average of the weights, when training keeps one.
    public var emaWeights: [String: Tensor]?
    /// Adam's moments by parameter name.
    public var optimizerMoments: (first: [String: Tensor], second: [String: Tensor])?
    /// Where training stands.
    public var training: TrainingState?
    /// Adam's update count when there are moments but no training state (a reference `.pth` with its optimizer
    /// state, and what `lmconv import` writes from it); metadata `lmconv.optimizer_step`.
    public var optimizerStep: Int?

    public init(configuration: ModelConfiguration, orders: OrderSpecification, weights: [String: Tensor],
                emaWeights: [String: Tensor]? = nil, optimizerMoments: (first: [String: Tensor], second: [String: Tensor])? = nil,
                training: TrainingState? = nil, optimizerStep: Int? = nil) {
        self.optimizerStep = optimizerStep
        self.configuration = configuration
        self.orders = orders
        self.weights = weights
        self.emaWeights = emaWeights
        self.optimizerMoments = optimizerMoments
        self.training = training
    }

    /// A model holding this checkpoint's weights (or its EMA weights).
    public func makeModel(useEMA: Bool = false, source: String = "checkpoint") throws -> LocallyMaskedPixelCNN {
        guard configuration.network == .lmconv else {
            throw LMConvError.invalidArgument(source: source, reason: "holds a PixelCNN++ baseline (network '\(configuration.network.rawValue)'), "
                              + "not a locally masked PixelCNN")
        }
        let model = try LocallyMaskedPixelCNN(configuration: configuration)
        if useEMA {
            guard let emaWeights else {
                throw LMConvError.invalidArgument(source: source, reason: "holds no EMA weights")
            }
            try model.loadWeights(emaWeights, source: source)
        } else {
            try model.loadWeights(weights, source: source)
        }
        return model
    }

    /// Writes the checkpoint atomically and durably (``AtomicFile``): a crash never leaves a half-written file.
    public func write(to url: URL) throws {
        var tensors: [String: SafetensorsTensor] = [:]
        func put(_ prefix: String, _ named: [String: Tensor]) {
            for (name, t) in named { tensors[prefix + name] = SafetensorsTensor(shape: t.shape, floats: t.scalars) }
        }
        put("", weights)
        if let emaWeights { put("ema.", emaWeights) }
        if let (first, second) = optimizerMoments {
            put("optimizer.exp_avg.", first)
            put("optimizer.exp_avg_sq.", second)
        }
        var metadata = [
            "lmconv.format": Self.formatVersion,
            "lmconv.model": try JSONWriter.string(configuration),
            "lmconv.orders": try JSONWriter.string(orders),
        ]
        if let training { metadata["lmconv.training"] = try JSONWriter.string(training) }
        if let optimizerStep { metadata["lmconv.optimizer_step"] = "\(optimizerStep)" }
        try SafetensorsFile(metadata: metadata, tensors: tensors).write(to: url)
    }

    /// Reads a checkpoint written by ``write(to:)``. A bare weights file (no metadata) needs `configuration` and
    /// `orders` from the caller.
    public static func read(contentsOf url: URL, configuration fallback: ModelConfiguration? = nil,
                            orders fallbackOrders: OrderSpecification? = nil) throws -> Checkpoint {
        let file = try SafetensorsFile.read(contentsOf: url)
        let source = url.path
        let decoder = JSONDecoder()
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T? {
            guard let json = file.metadata[key] else { return nil }
            do { return try decoder.decode(T.self, from: Data(json.utf8)) } catch {
                throw LMConvError.corruptFile(source: source, reason: "metadata '\(key)' is not valid: \(error)")
            }
        }
        guard let configuration = try decode(ModelConfiguration.self, "lmconv.model") ?? fallback else {
            throw LMConvError.corruptFile(source: source,
                                          reason: "no model configuration in the file's metadata (not a swift-lmconv checkpoint?)")
        }
        try configuration.validate()
        let orders = try decode(OrderSpecification.self, "lmconv.orders") ?? fallbackOrders ?? OrderSpecification()
        var weights: [String: Tensor] = [:], ema: [String: Tensor] = [:]
        var first: [String: Tensor] = [:], second: [String: Tensor] = [:]
        for (name, t) in file.tensors {
            let tensor = Tensor(shape: t.shape, scalars: try t.floats())
            if name.hasPrefix("ema.") { ema[String(name.dropFirst(4))] = tensor }
            else if name.hasPrefix("optimizer.exp_avg_sq.") { second[String(name.dropFirst(21))] = tensor }
            else if name.hasPrefix("optimizer.exp_avg.") { first[String(name.dropFirst(18))] = tensor }
            else { weights[name] = tensor }
        }
        return Checkpoint(configuration: configuration, orders: orders, weights: weights,
                          emaWeights: ema.isEmpty ? nil : ema,
                          optimizerMoments: first.isEmpty ? nil : (first, second),
                          training: try decode(TrainingState.self, "lmconv.training"),
                          optimizerStep: try decode(Int.self, "lmconv.optimizer_step"))
    }
}
