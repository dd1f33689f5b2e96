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
    let (B, C, H, W) = (target.shape[0], cfg.channels, target.shape[2], target.shape[3])
    let HW = H * W, OC = cfg.outputChannels, N = B * HW
    precondition(output.shape == [OC, B, H, W], "output \(output.shape) does not fit the target \(target.shape)")
    var nll = [Double](repeating: 0, count: N)
    let halfBin = halfBinWidth(cfg)
    output.withUnsafeBufferPointer { out in
        target.withUnsafeBufferPointer { x in
            nll.withUnsafeMutableBufferPointer { result in
                let out = out.baseAddress!, x = x.baseAddress!, result = result.baseAddress!
                parallelFor(N, minimumChunk: 64) { range in
                    var params = [Double](repeating: 0, count: OC)   // this pixel's outputs
                    var unusedGradient = [Double](repeating: 0, count: OC)
                    var values = [Double](repeating: 0, count: C)
                    for n in range {
                        let b = n / HW, q = n % HW
                        for o in 0..<OC { params[o] = Double(out[o * N + n]) }
                        for c in 0..<C { values[c] = Double(x[(b * C + c) * HW + q]) }
                        let logP = cfg.binarize
                            ? binaryLogProbability(params, value: values[0], gradient: &unusedGradient)
                            : mixtureLogProbability(params, values: values, mixtures: cfg.mixtures, halfBin: halfBin,
                                                    gradient: &unusedGradient)
                        result[n] = -logP
                    }
                }
            }
        }
    }
    return nll
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
