import Foundation

// Per-pixel negative log-likelihoods: −log p(x_i | x_<i) of every pixel under one order, the terms whose sum is the
// image's NLL (``negativeLogLikelihood(output:target:configuration:region:wantGradient:)``). Only an autoregressive
// model gives this decomposition; anomaly maps are made of it.
// Legend: B batch, C image channels, HW = H*W pixels, OC output channels.

/// −log p(x_i | context) in nats of every pixel of images `target` (B, C, H, W) under the network's `output`
/// (OC, B, H, W), summed over the pixel's C sub-pixels: (B, HW), row-major pixels. Summing an image's HW values gives
/// its NLL under the order the output was computed for.
public func pixelNegativeLogLikelihoods(output: Tensor, target: Tensor, configuration cfg: ModelConfiguration)
    -> [Double]
{
    precondition(target.shape.count == 4 && target.shape[1] == cfg.channels, "target \(target.shape) does not fit the model")
    let (B, H, W) = (target.shape[0], target.shape[2], target.shape[3])
    precondition(output.shape == [cfg.outputChannels, B, H, W], "output \(output.shape) does not fit the target \(target.shape)")
    return pixelLogProbabilities(output: output, target: target, configuration: cfg, region: nil, gradient: nil)
        .map { -$0 }
}

extension LocallyMaskedPixelCNN {
    /// −log p(x_i | context) in nats of every pixel of images x (B, C, H, W) in [-1, 1] under one order's masks:
    /// (B, HW). Row b sums to image b's NLL under that order.
    public func pixelNegativeLogLikelihoods(of x: Tensor, masks: OrderMasks) -> [Double] {
        var rng = Xoshiro256(seed: 0)   // dropout is off outside training; the generator is never drawn from
        let (output, _) = forward(x, masks: masks, rng: &rng)
        return LMConv.pixelNegativeLogLikelihoods(output: output, target: x, configuration: configuration)
    }

    /// The same under `order` (its masks made or taken from the model's cache).
    public func pixelNegativeLogLikelihoods(of x: Tensor, order: GenerationOrder) throws -> [Double] {
        pixelNegativeLogLikelihoods(of: x, masks: try masks(for: order))
    }
}
