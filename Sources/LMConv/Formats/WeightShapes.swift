import Foundation

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
        // R from the gated resnets' names, as the network's plan lays them out.
        resnets = NetworkPlan.inferResnets(fromParameterNames: Set(weights.keys))
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
