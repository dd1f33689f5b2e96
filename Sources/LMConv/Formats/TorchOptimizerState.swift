import Foundation

// Adam's state in a checkpoint of the reference's training script (`optimizer_state_dict`), by parameter name.
//
// PyTorch keys the optimizer's state by each parameter's position in `model.parameters()` (listed in
// `param_groups[*].params`), which is the order of the model's state dict when the model has no buffers, as the
// reference's networks have none: position i is the i-th tensor of `model_state_dict`. When the counts differ the
// mapping is unknown and the state is refused rather than guessed.

/// Adam's moments of a PyTorch checkpoint by parameter name, and its update count.
public struct TorchAdamState: Sendable {
    public var firstMoment: [String: Tensor]
    public var secondMoment: [String: Tensor]
    /// Updates taken (PyTorch's per-parameter `step`; the largest when they differ).
    public var step: Int
}

extension TorchCheckpoint {
    /// The Adam state of `optimizer_state_dict`, or nil when there is none or it is empty (no update taken yet).
    ///
    /// - Throws: when it is malformed, or when its parameters cannot be matched to `model_state_dict`'s names.
    public func adamState() throws -> TorchAdamState? {
        guard let optimizer = root["optimizer_state_dict"], let state = optimizer["state"]?.dictValue,
              !state.isEmpty else { return nil }
        func fail(_ reason: String) -> LMConvError { .corruptFile(source: source, reason: "optimizer_state_dict: \(reason)") }
        guard let groups = optimizer["param_groups"]?.listValue else { throw fail("no param_groups") }
        let positions = try groups.flatMap { group -> [Int] in
            guard let params = group["params"]?.listValue else { throw fail("a param group has no params") }
            return try params.map { guard let i = $0.intValue else { throw fail("a parameter id is not an integer") }; return i }
        }
        guard let entries = root["model_state_dict"]?.dictValue else { throw fail("no model_state_dict to name its parameters") }
        var names = try entries.map { entry -> String in
            guard let name = entry.key.stringValue else { throw fail("model_state_dict has a non-string key") }
            return name
        }
        if names.allSatisfy({ $0.hasPrefix("module.") }) { names = names.map { String($0.dropFirst(7)) } }
        guard positions.count == names.count else {
            throw fail("\(positions.count) parameters for the \(names.count) tensors of model_state_dict; cannot tell "
                       + "which moment belongs to which parameter")
        }
        var byPosition: [Int: PickleValue] = [:]
        for (key, value) in state {
            guard let i = key.intValue else { throw fail("a state key is not an integer") }
            byPosition[i] = value
        }
        var first: [String: Tensor] = [:], second: [String: Tensor] = [:], step = 0
        for (name, position) in zip(names, positions) {
            guard let entry = byPosition[position], let m = entry["exp_avg"]?.tensorValue,
                  let v = entry["exp_avg_sq"]?.tensorValue else {
                throw fail("no Adam moments (exp_avg, exp_avg_sq) for parameter \(position) ('\(name)')")
            }
            first[name] = m.floatTensor()
            second[name] = v.floatTensor()
            let count = entry["step"].flatMap { $0.intValue ?? $0.tensorValue?.floats().first.map { Int($0) } }
            guard let count else { throw fail("no step count for parameter \(position) ('\(name)')") }
            step = max(step, count)
        }
        return TorchAdamState(firstMoment: first, secondMoment: second, step: step)
    }
}
