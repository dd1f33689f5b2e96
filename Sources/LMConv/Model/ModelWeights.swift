import Foundation

// Moving parameters between a model and named tensors (safetensors files, PyTorch state dicts), under the
// reference implementation's parameter names.

extension LocallyMaskedPixelCNN {
    /// Every parameter as a named float tensor.
    public func namedWeights() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameters.slots.map { ($0.name, parameters.tensor($0)) })
    }

    /// Every parameter's gradient as a named float tensor.
    public func namedGradients() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameters.slots.map { ($0.name, parameters.gradientTensor($0)) })
    }

    /// Replaces every parameter with the tensor of the same name.
    ///
    /// - Parameters:
    ///   - weights: tensors by reference name; shapes must match exactly (a tensor of the same element count but
    ///     another shape is an error too).
    ///   - source: names the file in error messages.
    ///   - allowUnused: accept tensors that are not parameters of this model (they are returned).
    /// - Returns: the names of the tensors that were not used, sorted.
    @discardableResult
    public func loadWeights(_ weights: [String: Tensor], source: String, allowUnused: Bool = false) throws -> [String] {
        for slot in parameters.slots {
            guard let tensor = weights[slot.name] else {
                throw LMConvError.shapeMismatch(source: source,
                                                reason: "missing tensor '\(slot.name)' (shape \(slot.shape)) for this model configuration")
            }
            guard tensor.shape == slot.shape else {
                throw LMConvError.shapeMismatch(source: source,
                                                reason: "tensor '\(slot.name)' has shape \(tensor.shape), the model needs \(slot.shape)")
            }
        }
        let unused = weights.keys.filter { parameters.slot(named: $0) == nil }.sorted()
        if !unused.isEmpty && !allowUnused {
            throw LMConvError.shapeMismatch(source: source,
                                            reason: "\(unused.count) tensor(s) are not parameters of this model: "
                + unused.prefix(5).joined(separator: ", ") + (unused.count > 5 ? ", ..." : ""))
        }
        for slot in parameters.slots { parameters.setValue(slot, weights[slot.name]!.scalars) }
        return unused
    }

    /// Loads the parameters from a safetensors file's float tensors of the reference's names; tensors under other
    /// prefixes (`optimizer.`, `ema.`) are ignored.
    public func loadWeights(from file: SafetensorsFile, source: String) throws {
        try loadWeights(try file.parameterTensors(), source: source)
    }

    /// The parameters as safetensors tensors under their reference names.
    public func safetensorsWeights() -> [String: SafetensorsTensor] {
        Dictionary(uniqueKeysWithValues: parameters.slots.map {
            ($0.name, SafetensorsTensor(shape: $0.shape, floats: parameters.tensor($0).scalars))
        })
    }
}

extension SafetensorsFile {
    /// The file's float tensors of parameter names, as tensors: everything but the optimizer's (`optimizer.`) and
    /// the moving average's (`ema.`) tensors.
    func parameterTensors() throws -> [String: Tensor] {
        var weights: [String: Tensor] = [:]
        for (name, tensor) in tensors where !name.hasPrefix("optimizer.") && !name.hasPrefix("ema.") {
            guard tensor.dtype == .f32 || tensor.dtype == .f64 else { continue }
            weights[name] = Tensor(shape: tensor.shape, scalars: try tensor.floats())
        }
        return weights
    }
}
