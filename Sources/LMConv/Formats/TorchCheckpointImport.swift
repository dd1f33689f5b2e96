import Foundation

// Importing a checkpoint of the reference implementation (its training script's `torch.save` output) as a
// swift-lmconv ``Checkpoint``: the model configuration and orders from the saved command-line options (`args`),
// the weights from the state dict.
//
// How the reference's `args` map (missing keys mean an older version of the script without that option):
//
// | args key | here |
// | --- | --- |
// | `dataset` | image size and channels: contains `mnist` → 1x28x28, `cifar` → 3x32x32, `celeba` → 3 x `celeba_size`² (default 256) |
// | `nr_filters`, `nr_resnet`, `kernel_size`, `max_dilation`, `nr_logistic_mix` | filters, resnets, kernelSize, maxDilation, mixtures |
// | `normalization` | `pono`, `order_rescale`, `weight_norm`, `none` (`instance_norm*` are refused: the reference never implemented them for this model) |
// | `binarize`, `n_bits`, `learn_weight_for_masks` | binarize (missing: false), nBits (missing: 8), learnWeightForMasks (missing: false) |
// | `no_bias` | convBias = !no_bias (missing: true) |
// | `dropout_prob` | dropout (missing: 0) |
// | `order` | base order names (a list, or a single string in older versions) |
// | `randomize_order` | 8 variants of each base order, else 1 |
// | `base_order_transpose`, `base_order_reflect_rows`, `base_order_reflect_cols` | the order specification's base options |
// | `order_variants` | a subset of the variant list cannot be expressed by an ``OrderSpecification``: a warning, all variants kept (unless the subset is every base order's variant 0, which is `variants = 1`) |
// | `ours` | false means the reference's PixelCNN++ baseline, which is refused |
//
// Values the args lack fall back to what the weights determine (channels, filters, kernel size, resnets, bias, mask
// weights, weight normalisation, binarisation and mixtures, from the tensor shapes); what neither tells (image size,
// normalisation other than weight_norm, max_dilation, the orders) must come from the caller.

/// Values a caller sets explicitly when importing a reference checkpoint: each one that is not `nil` overrides what
/// the checkpoint's `args` say, or supplies what a checkpoint without `args` cannot tell.
public struct TorchImportOverrides: Sendable, Equatable {
    public var channels: Int?
    public var height: Int?
    public var width: Int?
    public var binarize: Bool?
    public var filters: Int?
    public var resnets: Int?
    public var kernelSize: Int?
    public var maxDilation: Int?
    public var mixtures: Int?
    public var normalization: Normalization?
    public var nBits: Int?
    public var convBias: Bool?
    public var learnWeightForMasks: Bool?
    public var dropout: Float?
    /// Base order names (``GenerationOrder/names``).
    public var orderNames: [String]?
    /// 1 or 8.
    public var variants: Int?
    public var baseTranspose: Bool?
    public var baseReflectRows: Bool?
    public var baseReflectCols: Bool?

    public init(channels: Int? = nil, height: Int? = nil, width: Int? = nil, binarize: Bool? = nil,
                filters: Int? = nil, resnets: Int? = nil, kernelSize: Int? = nil, maxDilation: Int? = nil,
                mixtures: Int? = nil, normalization: Normalization? = nil, nBits: Int? = nil, convBias: Bool? = nil,
                learnWeightForMasks: Bool? = nil, dropout: Float? = nil, orderNames: [String]? = nil,
                variants: Int? = nil, baseTranspose: Bool? = nil, baseReflectRows: Bool? = nil,
                baseReflectCols: Bool? = nil) {
        self.channels = channels
        self.height = height
        self.width = width
        self.binarize = binarize
        self.filters = filters
        self.resnets = resnets
        self.kernelSize = kernelSize
        self.maxDilation = maxDilation
        self.mixtures = mixtures
        self.normalization = normalization
        self.nBits = nBits
        self.convBias = convBias
        self.learnWeightForMasks = learnWeightForMasks
        self.dropout = dropout
        self.orderNames = orderNames
        self.variants = variants
        self.baseTranspose = baseTranspose
        self.baseReflectRows = baseReflectRows
        self.baseReflectCols = baseReflectCols
    }

    /// Every value of `configuration` as an override.
    public init(_ configuration: ModelConfiguration) {
        self.init(channels: configuration.channels, height: configuration.height, width: configuration.width,
                  binarize: configuration.binarize, filters: configuration.filters, resnets: configuration.resnets,
                  kernelSize: configuration.kernelSize, maxDilation: configuration.maxDilation,
                  mixtures: configuration.mixtures, normalization: configuration.normalization,
                  nBits: configuration.nBits, convBias: configuration.convBias,
                  learnWeightForMasks: configuration.learnWeightForMasks, dropout: configuration.dropout)
    }

    /// Sets every order value from `orders`.
    public mutating func setOrders(_ orders: OrderSpecification) {
        orderNames = orders.names
        variants = orders.variants
        baseTranspose = orders.baseTranspose
        baseReflectRows = orders.baseReflectRows
        baseReflectCols = orders.baseReflectCols
    }
}

extension Checkpoint {
    /// Imports a PyTorch checkpoint of the reference implementation (zip or legacy serialisation).
    ///
    /// - Parameters:
    ///   - configuration: a complete configuration to use instead of the one the checkpoint's `args` describe
    ///     (a warning names the values that differ from the args).
    ///   - orders: likewise for the generation orders.
    ///   - overrides: single values to override (applied after `configuration` and `orders`).
    ///   - useEMA: take the weights of `ema_state_dict` instead of `model_state_dict`.
    ///   - warnings: receives one-line notes: state-dict tensors that are not parameters of the model, explicit
    ///     values that differ from the args, args that cannot be represented.
    /// - Throws: ``LMConvError`` with a one-line message: unreadable file, unknown values, a configuration the
    ///   checkpoint does not determine and the caller did not give, a missing or mis-shaped tensor.
    public static func importTorch(contentsOf url: URL, configuration: ModelConfiguration? = nil,
                                   orders: OrderSpecification? = nil,
                                   overrides: TorchImportOverrides = TorchImportOverrides(), useEMA: Bool = false,
                                   warnings: ((String) -> Void)? = nil) throws -> Checkpoint {
        try TorchCheckpoint.read(contentsOf: url).imported(configuration: configuration, orders: orders,
                                                           overrides: overrides, useEMA: useEMA, warnings: warnings)
    }

    /// ``load(contentsOf:configuration:orders:useEMA:warnings:)`` for `.pth` files.
    static func importTorchCheckpoint(contentsOf url: URL, configuration: ModelConfiguration?,
                                      orders: OrderSpecification?, useEMA: Bool,
                                      warnings: ((String) -> Void)?) throws -> Checkpoint {
        try importTorch(contentsOf: url, configuration: configuration, orders: orders, useEMA: useEMA,
                        warnings: warnings)
    }
}

extension TorchCheckpoint {
    /// This checkpoint as a swift-lmconv ``Checkpoint`` (see ``Checkpoint/importTorch(contentsOf:configuration:orders:overrides:useEMA:warnings:)``).
    public func imported(configuration explicitConfiguration: ModelConfiguration? = nil,
                         orders explicitOrders: OrderSpecification? = nil,
                         overrides explicitOverrides: TorchImportOverrides = TorchImportOverrides(),
                         useEMA: Bool = false, warnings: ((String) -> Void)? = nil) throws -> Checkpoint {
        let key = useEMA ? "ema_state_dict" : "model_state_dict"
        let weights = try importedStateDict(key)
        let args = self.args.map { TorchArgs(values: $0, source: source) }
        if let args, args.bool("ours") == false {
            throw LMConvError.unsupported(source: source,
                                          reason: "the checkpoint is the reference's PixelCNN++ baseline (args 'ours' is "
                              + "False), not a locally masked PixelCNN")
        }

        // A complete configuration or order specification, then single values on top.
        var overrides = explicitConfiguration.map(TorchImportOverrides.init) ?? TorchImportOverrides()
        if let explicitOrders { overrides.setOrders(explicitOrders) }
        overrides = overrides.overlaid(with: explicitOverrides)

        let shapes = WeightShapes(weights)
        let resolver = ImportResolver(args: args, shapes: shapes, source: source)
        // Warnings are passed on only when the import succeeds: a failure is reported by its error alone.
        var notes: [String] = []
        let (configuration, orders) = try resolver.resolve(overrides) { notes.append($0) }

        do {
            _ = try orders.orders(height: configuration.height, width: configuration.width)
        } catch let error as LMConvError {
            throw LMConvError.context(source, underlying: error)
        }
        let model: LocallyMaskedPixelCNN
        do {
            model = try LocallyMaskedPixelCNN(configuration: configuration)
        } catch let error as LMConvError {
            throw LMConvError.context(source, underlying: error)
        }
        let weightsSource = useEMA ? "\(source) (ema_state_dict)" : source
        let unused: [String]
        do {
            unused = try model.loadWeights(weights, source: weightsSource, allowUnused: true)
        } catch let error as LMConvError {
            let origin = args == nil ? "from its weights and explicit values"
                : overrides == TorchImportOverrides() ? "from the checkpoint's args"
                : "from the checkpoint's args and explicit values"
            throw error.appending(" (model configuration \(origin): \(configuration.shortDescription))")
        }
        // Explicit values that contradict the args are allowed, but worth a note (once the import succeeded).
        if args != nil, overrides != TorchImportOverrides(),
           let fromArgs = try? resolver.resolve(TorchImportOverrides(), warnings: nil) {
            let differences = describeDifferences(args: fromArgs, given: (configuration, orders))
            if !differences.isEmpty {
                notes.append("\(source): using explicitly given values that differ from the checkpoint's args: "
                             + differences.joined(separator: ", "))
            }
        }
        if !unused.isEmpty {
            notes.append("\(weightsSource): ignoring \(unused.count) tensor(s) of \(key) that are not parameters of "
                         + "this model: " + unused.prefix(8).joined(separator: ", ") + (unused.count > 8 ? ", ..." : ""))
        }
        notes.forEach { warnings?($0) }
        return Checkpoint(configuration: configuration, orders: orders, weights: model.namedWeights())
    }

    /// The state dict under `key` as float tensors, without DataParallel's `module.` prefix.
    private func importedStateDict(_ key: String) throws -> [String: Tensor] {
        if key != "model_state_dict", root[key] == nil {
            let keys = root["model_state_dict"] == nil ? "" : root.dictValue?.compactMap { $0.key.stringValue }
                .joined(separator: ", ") ?? ""
            throw LMConvError.invalidArgument(source: source,
                                              reason: "no '\(key)' in the checkpoint (it holds no EMA weights"
                              + (keys.isEmpty ? ")" : "; its top-level keys: \(keys))"))
        }
        var weights = try stateDict(key)
        let prefix = "module."
        if !weights.isEmpty, weights.keys.allSatisfy({ $0.hasPrefix(prefix) }) {
            weights = Dictionary(uniqueKeysWithValues: weights.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
        }
        guard !weights.isEmpty else { throw LMConvError.corruptFile(source: source, reason: "'\(key)' is empty") }
        return weights
    }
}

extension TorchImportOverrides {
    /// These values, replaced by every non-nil value of `other`.
    fileprivate func overlaid(with other: TorchImportOverrides) -> TorchImportOverrides {
        var r = self
        r.channels = other.channels ?? r.channels
        r.height = other.height ?? r.height
        r.width = other.width ?? r.width
        r.binarize = other.binarize ?? r.binarize
        r.filters = other.filters ?? r.filters
        r.resnets = other.resnets ?? r.resnets
        r.kernelSize = other.kernelSize ?? r.kernelSize
        r.maxDilation = other.maxDilation ?? r.maxDilation
        r.mixtures = other.mixtures ?? r.mixtures
        r.normalization = other.normalization ?? r.normalization
        r.nBits = other.nBits ?? r.nBits
        r.convBias = other.convBias ?? r.convBias
        r.learnWeightForMasks = other.learnWeightForMasks ?? r.learnWeightForMasks
        r.dropout = other.dropout ?? r.dropout
        r.orderNames = other.orderNames ?? r.orderNames
        r.variants = other.variants ?? r.variants
        r.baseTranspose = other.baseTranspose ?? r.baseTranspose
        r.baseReflectRows = other.baseReflectRows ?? r.baseReflectRows
        r.baseReflectCols = other.baseReflectCols ?? r.baseReflectCols
        return r
    }
}

extension ModelConfiguration {
    /// A compact one-line rendering, e.g. `1x28x28 binarized, nr_filters 8, nr_resnet 1, kernel_size 3,
    /// max_dilation 2, pono`.
    public var shortDescription: String {
        var parts = ["\(channels)x\(height)x\(width) " + (binarize ? "binarized" : "\(nBits)-bit, nr_logistic_mix \(mixtures)")]
        parts += ["nr_filters \(filters)", "nr_resnet \(resnets)", "kernel_size \(kernelSize)",
                  "max_dilation \(maxDilation)", normalization.rawValue]
        if !convBias { parts.append("no_bias") }
        if learnWeightForMasks { parts.append("learn_weight_for_masks") }
        if dropout != 0 { parts.append("dropout \(dropout)") }
        return parts.joined(separator: ", ")
    }
}

extension OrderSpecification {
    /// A compact one-line rendering, e.g. `s_curve x8` or `raster_scan, s_curve (base transposed)`.
    public var shortDescription: String {
        var text = names.joined(separator: ", ") + (variants == 1 ? "" : " x\(variants)")
        let base = [baseTranspose ? "transposed" : nil, baseReflectRows ? "rows reflected" : nil,
                    baseReflectCols ? "cols reflected" : nil].compactMap { $0 }
        if !base.isEmpty { text += " (base " + base.joined(separator: ", ") + ")" }
        return text
    }
}

// MARK: - Reading args

/// Typed access to the reference's saved `args`; `None` counts as absent, a value of the wrong type is an error.
struct TorchArgs {
    let values: [String: PickleValue]
    let source: String

    private func present(_ key: String) -> PickleValue? {
        guard let value = values[key], !value.isNone else { return nil }
        return value
    }

    private func wrongType(_ key: String, _ value: PickleValue, _ expected: String) -> LMConvError {
        LMConvError.corruptFile(source: source, reason: "args '\(key)' is \(value), expected \(expected)")
    }

    func int(_ key: String) throws -> Int? {
        guard let value = present(key) else { return nil }
        if case .int(let v) = value { return v }
        if case .float(let v) = value, v == v.rounded(), abs(v) < 1e15 { return Int(v) }
        throw wrongType(key, value, "an integer")
    }

    /// Flags, leniently: `store_true` options are bools, but 0/1 are accepted.
    func bool(_ key: String) -> Bool? {
        guard let value = present(key) else { return nil }
        if let v = value.boolValue { return v }
        if let v = value.intValue { return v != 0 }
        return nil
    }

    func checkedBool(_ key: String) throws -> Bool? {
        guard let value = present(key) else { return nil }
        guard let flag = bool(key) else { throw wrongType(key, value, "True or False") }
        return flag
    }

    func double(_ key: String) throws -> Double? {
        guard let value = present(key) else { return nil }
        guard let v = value.doubleValue else { throw wrongType(key, value, "a number") }
        return v
    }

    func string(_ key: String) throws -> String? {
        guard let value = present(key) else { return nil }
        guard let v = value.stringValue else { throw wrongType(key, value, "a string") }
        return v
    }

    /// A list of strings, or one string (older versions of the script took a single `--order`).
    func strings(_ key: String) throws -> [String]? {
        guard let value = present(key) else { return nil }
        if let v = value.stringValue { return [v] }
        if let items = value.listValue {
            let strings = items.compactMap(\.stringValue)
            if strings.count == items.count { return strings }
        }
        throw wrongType(key, value, "a list of strings")
    }

    func ints(_ key: String) throws -> [Int]? {
        guard let value = present(key) else { return nil }
        if case .int(let v) = value { return [v] }
        if let items = value.listValue {
            let ints = items.compactMap { item -> Int? in if case .int(let v) = item { return v } else { return nil } }
            if ints.count == items.count { return ints }
        }
        throw wrongType(key, value, "a list of integers")
    }
}

// MARK: - What the weights tell

/// Hyper-parameters the state dict's tensor names and shapes determine.
struct WeightShapes {
    var channels: Int?
    var filters: Int?
    var kernelSize: Int?
    var resnets: Int?
    var weightNorm: Bool?
    var convBias: Bool?
    var learnWeightForMasks: Bool?
    var outputChannels: Int?

    init(_ weights: [String: Tensor]) {
        let initWeight = weights["u_init.weight"] ?? weights["u_init.weight_v"]
        if let shape = initWeight?.shape, shape.count == 4, shape[2] == shape[3], shape[1] >= 2 {
            filters = shape[0]
            channels = shape[1] - 1
            kernelSize = shape[2]
            weightNorm = weights["u_init.weight_v"] != nil
            convBias = weights["u_init.bias"] != nil
            learnWeightForMasks = weights["u_init.mask_weight"] != nil
        }
        // down_layers.1 holds R + 1 gated resnets (down_layers.0 and up_layers hold R, possibly none).
        let prefix = "down_layers.1.u_stream."
        let indices = Set(weights.keys.filter { $0.hasPrefix(prefix) }.compactMap {
            Int($0.dropFirst(prefix.count).prefix { $0 != "." })
        })
        if let top = indices.max(), indices.count == top + 1 { resnets = top }
        outputChannels = weights["nin_out.lin_a.bias"]?.shape.first ?? weights["nin_out.lin_a.weight_v"]?.shape.first
    }

    /// Binarised output (two logits, one channel).
    var binarize: Bool? {
        guard let outputChannels, let channels else { return nil }
        return channels == 1 && outputChannels == 2
    }

    /// Mixture components from the output width (nil for binarised models or an unexpected width).
    var mixtures: Int? {
        guard let outputChannels, let channels, binarize == false else { return nil }
        let perComponent = channels == 1 ? 3 : 10
        return outputChannels % perComponent == 0 ? outputChannels / perComponent : nil
    }
}

// MARK: - Resolving the configuration

/// Explicit values, then args, then the weights; what none of them gives is listed in one error.
struct ImportResolver {
    let args: TorchArgs?
    let shapes: WeightShapes
    let source: String

    /// The image shape of a data set named in `args['dataset']`, as the reference's script sets it.
    static func datasetShape(_ name: String, celebaSize: Int?) -> (channels: Int, height: Int, width: Int)? {
        let name = name.lowercased()
        if name.contains("mnist") { return (1, 28, 28) }
        if name.contains("cifar") { return (3, 32, 32) }
        if name.contains("celeba") { let s = celebaSize ?? 256; return (3, s, s) }
        return nil
    }

    func resolve(_ given: TorchImportOverrides, warnings: ((String) -> Void)?) throws
        -> (ModelConfiguration, OrderSpecification)
    {
        var missing: [String] = []
        var notes: [String] = []
        func require<T>(_ value: T?, _ name: String) -> T? {
            if value == nil { missing.append(name) }
            return value
        }

        var dataset: (channels: Int, height: Int, width: Int)?
        if let args, let name = try args.string("dataset") {
            dataset = Self.datasetShape(name, celebaSize: try args.int("celeba_size"))
            if dataset == nil, given.height == nil || given.width == nil {
                notes.append("args 'dataset' '\(name)' has no known image size")
            }
        }

        let normalization: Normalization?
        if let value = given.normalization {
            normalization = value
        } else if let name = try args?.string("normalization") {
            normalization = try Self.normalization(named: name, source: source)
        } else {
            // The weights tell weight normalisation apart, but not PONO, order_rescale and none from each other.
            normalization = shapes.weightNorm == true ? .weightNorm : nil
        }

        let channels = given.channels ?? dataset?.channels ?? shapes.channels
        let height = require(given.height ?? dataset?.height, "image height")
        let width = require(given.width ?? dataset?.width, "image width")
        let filters = require(try given.filters ?? args?.int("nr_filters") ?? shapes.filters, "nr_filters")
        let resnets = require(try given.resnets ?? args?.int("nr_resnet") ?? shapes.resnets, "nr_resnet")
        let kernelSize = require(try given.kernelSize ?? args?.int("kernel_size") ?? shapes.kernelSize, "kernel_size")
        let maxDilation = require(try given.maxDilation ?? args?.int("max_dilation"), "max_dilation")
        _ = require(normalization, "normalization")
        _ = require(channels, "channels")

        // Flags an older script did not have default to off; without args the weights decide.
        let binarize = try given.binarize ?? args?.checkedBool("binarize") ?? shapes.binarize ?? false
        let mixtures = try given.mixtures ?? args?.int("nr_logistic_mix") ?? shapes.mixtures ?? (binarize ? 10 : nil)
        _ = require(mixtures, "nr_logistic_mix")
        let nBits = try given.nBits ?? args?.int("n_bits") ?? 8
        let convBias = try given.convBias ?? args?.checkedBool("no_bias").map { !$0 } ?? shapes.convBias ?? true
        let learnWeightForMasks = try given.learnWeightForMasks ?? args?.checkedBool("learn_weight_for_masks")
            ?? shapes.learnWeightForMasks ?? false
        let dropout = try given.dropout ?? args?.double("dropout_prob").map(Float.init) ?? 0

        let names = require(try given.orderNames ?? args?.strings("order"), "generation order")
        let randomized = try args?.checkedBool("randomize_order")
        let variants = given.variants ?? randomized.map { $0 ? 8 : 1 } ?? 1
        let baseTranspose = try given.baseTranspose ?? args?.checkedBool("base_order_transpose") ?? false
        let baseReflectRows = try given.baseReflectRows ?? args?.checkedBool("base_order_reflect_rows") ?? false
        let baseReflectCols = try given.baseReflectCols ?? args?.checkedBool("base_order_reflect_cols") ?? false

        guard missing.isEmpty else {
            let list = missing.count == 1 ? missing[0]
                : missing.dropLast().joined(separator: ", ") + " and " + missing.last!
            let reason = args == nil ? "the checkpoint has no 'args' and its weights do not tell "
                : "neither the checkpoint's args nor its weights tell "
            throw LMConvError.invalidConfiguration(source: source,
                                                   reason: "\(reason)\(list)" + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
                              + "; give \(missing.count == 1 ? "it" : "them") explicitly (on the command line: "
                              + "lmconv import with --height, --width, --max-dilation, --normalization, --order)")
        }

        var configuration = ModelConfiguration()
        configuration.channels = channels!
        configuration.height = height!
        configuration.width = width!
        configuration.binarize = binarize
        configuration.filters = filters!
        configuration.resnets = resnets!
        configuration.kernelSize = kernelSize!
        configuration.maxDilation = maxDilation!
        configuration.mixtures = mixtures!
        configuration.normalization = normalization!
        configuration.nBits = nBits
        configuration.convBias = convBias
        configuration.learnWeightForMasks = learnWeightForMasks
        configuration.dropout = dropout

        var orders = OrderSpecification(names: names!, variants: variants, baseTranspose: baseTranspose,
                                        baseReflectRows: baseReflectRows, baseReflectCols: baseReflectCols)
        if given.orderNames == nil && given.variants == nil, let selected = try args?.ints("order_variants"),
           !selected.isEmpty {
            let count = orders.names.count * orders.variants
            if selected == Array(0..<count) {
                // Every variant: the plain list.
            } else if orders.variants == 8, selected == orders.names.indices.map({ $0 * 8 }) {
                orders.variants = 1   // each base order's variant 0 is the base order itself
            } else {
                warnings?("\(source): args 'order_variants' \(selected) selects a subset of the \(count) orders, "
                          + "which cannot be recorded; keeping all of them (give the orders explicitly to change them)")
            }
        }
        return (configuration, orders)
    }

    static func normalization(named name: String, source: String) throws -> Normalization {
        if let value = Normalization(rawValue: name) { return value }
        if name.hasPrefix("instance_norm") {
            throw LMConvError.unsupported(source: source,
                                          reason: "args normalization '\(name)' is not supported (the reference has no "
                              + "causal instance norm for locally masked models)")
        }
        throw LMConvError.unsupported(source: source, reason: "unknown args normalization '\(name)' (valid: "
                          + Normalization.allCases.map(\.rawValue).joined(separator: ", ") + ")")
    }
}

/// `name args-value → given-value` for every configuration and order value that differs.
private func describeDifferences(args: (ModelConfiguration, OrderSpecification),
                                 given: (ModelConfiguration, OrderSpecification)) -> [String] {
    func fields<T: Encodable>(_ value: T) -> [String: String] {
        guard let data = try? JSONWriter.bytes(value),
              let object = try? JSONSerialization.jsonObject(with: Data(data)) as? [String: Any] else { return [:] }
        return object.mapValues { JSONWriter.string(jsonObject: $0) ?? "\($0)" }
    }
    var result: [String] = []
    for (a, g) in [(fields(args.0), fields(given.0)), (fields(args.1), fields(given.1))] {
        for key in a.keys.sorted() where a[key] != g[key] {
            result.append("\(key) \(a[key] ?? "-") → \(g[key] ?? "-")")
        }
    }
    return result
}
