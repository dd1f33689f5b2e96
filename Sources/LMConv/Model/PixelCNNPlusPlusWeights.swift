import Foundation

// PixelCNN++'s parameters in and out by the reference's names, its checkpoints, and its likelihood of a data set.
// The name-based loading is written on ParameterStore so that any network can share it.

extension ParameterStore {
    /// Every parameter as a named float tensor.
    public func namedValues() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: slots.map { ($0.name, tensor($0)) })
    }

    /// Every parameter's gradient as a named float tensor.
    public func namedGradients() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: slots.map { ($0.name, gradientTensor($0)) })
    }

    /// Replaces every parameter with the tensor of the same name, after checking all of them (nothing is changed
    /// when one is missing or mis-shaped).
    ///
    /// - Parameters:
    ///   - source: names the file in error messages.
    ///   - allowUnused: accept tensors that are not parameters (they are returned, sorted).
    @discardableResult
    public func load(_ weights: [String: Tensor], source: String, allowUnused: Bool = false) throws -> [String] {
        for slot in slots {
            guard let tensor = weights[slot.name] else {
                throw LMConvError.shapeMismatch(source: source, reason: "missing tensor '\(slot.name)' (shape \(slot.shape)) for this model configuration")
            }
            guard tensor.shape == slot.shape else {
                throw LMConvError.shapeMismatch(source: source, reason: "tensor '\(slot.name)' has shape \(tensor.shape), the model needs \(slot.shape)")
            }
        }
        let unused = weights.keys.filter { slot(named: $0) == nil }.sorted()
        if !unused.isEmpty && !allowUnused {
            throw LMConvError.invalidArgument(source: source, reason: "\(unused.count) tensor(s) are not parameters of this model: "
                + unused.prefix(5).joined(separator: ", ") + (unused.count > 5 ? ", ..." : ""))
        }
        for slot in slots { setValue(slot, weights[slot.name]!.scalars) }
        return unused
    }
}

extension PixelCNNPlusPlus {
    /// Every parameter as a named float tensor.
    public func namedWeights() -> [String: Tensor] { parameters.namedValues() }

    /// Every parameter's gradient as a named float tensor.
    public func namedGradients() -> [String: Tensor] { parameters.namedGradients() }

    /// Replaces every parameter with the tensor of the same name (see ``ParameterStore/load(_:source:allowUnused:)``).
    @discardableResult
    public func loadWeights(_ weights: [String: Tensor], source: String, allowUnused: Bool = false) throws -> [String] {
        try parameters.load(weights, source: source, allowUnused: allowUnused)
    }

    /// Loads the parameters from a safetensors file's float tensors of the reference's names; tensors under other
    /// prefixes (`optimizer.`, `ema.`) are ignored.
    public func loadWeights(from file: SafetensorsFile, source: String) throws {
        try loadWeights(try file.parameterTensors(), source: source)
    }

    /// Per-image NLL (nats) of images x (B, C, H, W) in [-1, 1] (raster order, the only one this network has); with
    /// `region` (row-major H*W), of the region's pixels only, each given the pixels before it in raster order (those
    /// above it and to its left, in the region or not): all the context this network can use.
    public func negativeLogLikelihood(of x: Tensor, region: [Bool]? = nil) -> [Double] {
        var rng = Xoshiro256(seed: 0)   // dropout is off outside training; the generator is never drawn from
        let (output, _) = forward(x, rng: &rng)
        return LMConv.negativeLogLikelihood(output: output, target: x, configuration: configuration, region: region).perImageNLL
    }

    /// Evaluates the images of `data` in batches (one "order": raster).
    ///
    /// - Parameter encoding: how pixels become network inputs (dynamic binarisation draws from `seed`).
    public func evaluate(_ data: ImageDataset, encoding: PixelEncoding, region: [Bool]? = nil, batchSize: Int = 32,
                         seed: UInt64 = 0, progress: ((Int) -> Void)? = nil) throws -> DatasetEvaluation {
        let cfg = configuration
        guard data.channels == cfg.channels, data.height == cfg.height, data.width == cfg.width else {
            throw LMConvError.shapeMismatch(reason: "images are \(data.channels)x\(data.height)x\(data.width), the model is "
                + "\(cfg.channels)x\(cfg.height)x\(cfg.width)")
        }
        var rng = Xoshiro256(seed: seed)
        var nll: [Double] = []
        var start = 0
        while start < data.count {
            let indices = Array(start..<min(start + batchSize, data.count))
            let x = Tensor(shape: [indices.count, cfg.channels, cfg.height, cfg.width],
                           scalars: data.networkInput(indices, encoding: encoding, rng: &rng))
            nll += negativeLogLikelihood(of: x, region: region)
            start += indices.count
            progress?(start)
        }
        let pixels = region.map { $0.filter { $0 }.count } ?? cfg.height * cfg.width
        return DatasetEvaluation(perImageNLL: nll, perImagePerOrderNLL: nll.map { [$0] },
                                 dimensionsPerImage: cfg.channels * pixels)
    }
}

extension Checkpoint {
    /// A PixelCNN++ holding this checkpoint's weights (or its EMA weights); the configuration's network must be
    /// `.pixelCNNPlusPlus`.
    public func makePixelCNNPlusPlus(useEMA: Bool = false, source: String = "checkpoint") throws -> PixelCNNPlusPlus {
        let model = try PixelCNNPlusPlus(configuration: configuration)
        if useEMA {
            guard let emaWeights else { throw LMConvError.invalidArgument(source: source, reason: "holds no EMA weights") }
            try model.loadWeights(emaWeights, source: source)
        } else {
            try model.loadWeights(weights, source: source)
        }
        return model
    }
}
