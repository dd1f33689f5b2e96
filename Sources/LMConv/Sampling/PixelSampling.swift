import Foundation

// Drawing one pixel from the network's output distribution at that pixel (SPEC section 8), and the random numbers it
// uses. Every pixel of every image consumes the same count of uniforms, so samplers that visit the same pixels in the
// same sequence draw identical images from the same seed.

/// The number of uniforms ``samplePixel(_:configuration:temperature:rng:)`` draws per pixel.
func uniformsPerPixel(_ cfg: ModelConfiguration) -> Int { cfg.binarize ? 1 : cfg.mixtures + cfg.channels }

/// The value of bin `level` of `levels` evenly spaced bins over [-1, 1].
@inline(__always) func binValue(_ level: Int, levels: Int) -> Float { Float(level) / Float(levels - 1) * 2 - 1 }

/// Rounds x in [-1, 1] to the nearest of 2^nBits evenly spaced bins: samples are definite pixel values.
@inline(__always) func discretize(_ x: Float, levels: Int) -> Float {
    let level = ((min(max(x, -1), 1) + 1) / 2 * Float(levels - 1)).rounded()
    return binValue(Int(level), levels: levels)
}

/// Samples the C sub-pixel values of one pixel from its output parameters `params` (OC).
///
/// Binarized: −1 or +1 from the two logits. Mixtures: a component by Gumbel-max over the logits, then for each
/// channel a logistic sample `mean + exp(log_scale) * temperature * (log u − log(1 − u))`, clamped to [-1, 1] and
/// rounded to the data's bins; channels 1 and 2 add the coefficient terms of the already sampled channels.
public func samplePixel(_ params: [Float], configuration cfg: ModelConfiguration, temperature: Float,
                        rng: inout Xoshiro256) -> [Float] {
    if cfg.binarize {
        // P(+1) = σ(l1 − l0)
        let pPlus = 1 / (1 + exp(Double(params[0] - params[1])))
        return [Double(rng.nextUniform()) < pPlus ? 1 : -1]
    }
    let M = cfg.mixtures, C = cfg.channels, levels = 1 << cfg.nBits
    var best = 0, bestScore = -Float.infinity
    for k in 0..<M {
        let u = rng.nextUniform() * (1 - 2e-5) + 1e-5
        let score = params[k] - log(-log(u))
        if score > bestScore { bestScore = score; best = k }
    }
    func meanIndex(_ c: Int) -> Int { C == 1 ? M : M + 3 * M * c }
    var x = [Float](repeating: 0, count: C)
    for c in 0..<C {
        var mean = params[meanIndex(c) + best]
        if C == 3 && c == 1 { mean += tanh(params[meanIndex(0) + 2 * M + best]) * x[0] }
        if C == 3 && c == 2 {
            mean += tanh(params[meanIndex(1) + 2 * M + best]) * x[0] + tanh(params[meanIndex(2) + 2 * M + best]) * x[1]
        }
        let logScale = max(params[meanIndex(c) + M + best], -7)
        let u = rng.nextUniform() * (1 - 2e-5) + 1e-5
        let noise = exp(logScale) * temperature * (log(u) - log(1 - u))
        x[c] = discretize(mean + noise, levels: levels)
    }
    return x
}
