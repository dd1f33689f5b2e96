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
// | `order_variants` | ``OrderSpecification/selection``: exactly those orders of the variant list, in that sequence (the whole list is no selection; every base order's variant 0 is `variants = 1`); ignored when the caller gives the orders |
// | `ours` | false means the reference's PixelCNN++ baseline: imported as a ``PixelCNNPlusPlus`` (TorchCheckpointBaselineImport.swift) |
//
// Values the args lack fall back to what the weights determine (channels, filters, kernel size, resnets, bias, mask
// weights, weight normalisation, binarisation and mixtures, from the tensor shapes); what neither tells (image size,
// normalisation other than weight_norm, max_dilation, the orders) must come from the caller.

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

        // A complete configuration or order specification, then single values on top.
        var overrides = explicitConfiguration.map(TorchImportOverrides.init) ?? TorchImportOverrides()
        if let explicitOrders { overrides.setOrders(explicitOrders) }
        overrides = overrides.overlaid(with: explicitOverrides)
        if let args, args.bool("ours") == false {
            return try withAdamState(importedPixelCNNPlusPlus(weights: weights, args: args, given: overrides,
                                                              weightsSource: useEMA ? "\(source) (ema_state_dict)" : source,
                                                              key: key, warnings: warnings), useEMA: useEMA)
        }

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
        return try withAdamState(Checkpoint(configuration: configuration, orders: orders, weights: model.namedWeights()),
                                 useEMA: useEMA)
    }

    /// `checkpoint` with the file's Adam state (``adamState()``) when it has one, for the model's weights (the
    /// moving average has no optimizer state of its own).
    private func withAdamState(_ checkpoint: Checkpoint, useEMA: Bool) throws -> Checkpoint {
        guard !useEMA, let adam = try adamState() else { return checkpoint }
        var result = checkpoint
        for (name, weight) in checkpoint.weights {
            guard adam.firstMoment[name]?.shape == weight.shape, adam.secondMoment[name]?.shape == weight.shape else {
                throw LMConvError.corruptFile(source: source, reason: "optimizer_state_dict: the moments of '\(name)' "
                                              + "are missing or do not have its shape \(weight.shape)")
            }
        }
        let names = Set(checkpoint.weights.keys)
        result.optimizerMoments = (adam.firstMoment.filter { names.contains($0.key) },
                                   adam.secondMoment.filter { names.contains($0.key) })
        result.optimizerStep = adam.step
        return result
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
