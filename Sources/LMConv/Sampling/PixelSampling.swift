import Foundation

// Drawing one pixel from the network's output distribution at that pixel (SPEC section 8), and the random numbers it
// uses. Every pixel of every image consumes the same count of uniforms, so samplers that visit the same pixels in the
// same sequence draw identical images from the same seed.

/// The number of uniforms ``samplePixel(_:configuration:options:rng:)`` draws per pixel.
func uniformsPerPixel(_ cfg: ModelConfiguration) -> Int { cfg.binarize ? 1 : cfg.mixtures + cfg.channels }

/// The value of bin `level` of `levels` evenly spaced bins over [-1, 1].
@inline(__always) func binValue(_ level: Int, levels: Int) -> Float { Float(level) / Float(levels - 1) * 2 - 1 }

/// Rounds x in [-1, 1] to the nearest of 2^nBits evenly spaced bins: samples are definite pixel values.
@inline(__always) func discretize(_ x: Float, levels: Int) -> Float {
    let level = ((min(max(x, -1), 1) + 1) / 2 * Float(levels - 1)).rounded()
    return binValue(Int(level), levels: levels)
}

/// How one pixel is drawn from the network's distribution: the reference's sampling options (main.py
/// `--sample_logistic_temperature`, `--sample_mixture_temperature`, `--sample_quantize`).
public struct PixelSamplingOptions: Sendable, Equatable {
    /// Multiplies the logistic noise (1: the model's distribution).
    public var logisticTemperature: Float
    /// Divides every mixture component's mean, log scale and coefficient pre-activations before the draw, as the
    /// reference's `sample_mixture_temperature` does (despite its name it leaves the mixture logits alone, so it
    /// pulls the means towards mid-grey and widens the components). 1: the model's distribution.
    public var mixtureTemperature: Float
    /// Round each sub-pixel to the nearest of the data's 2^n_bits bins (the default here, the reference's
    /// `--sample_quantize` up to rounding rather than flooring); false keeps the continuous clamped logistic
    /// sample, as the reference does by default.
    public var quantize: Bool

    public init(logisticTemperature: Float = 1, mixtureTemperature: Float = 1, quantize: Bool = true) {
        self.logisticTemperature = logisticTemperature
        self.mixtureTemperature = mixtureTemperature
        self.quantize = quantize
    }

    /// Throws unless both temperatures are finite; the logistic one may be 0 (the component's mean), the mixture
    /// one must be positive.
    public func validate() throws {
        guard logisticTemperature >= 0, logisticTemperature.isFinite else {
            throw LMConvError.invalidArgument(reason: "the logistic temperature must be finite and >= 0, got \(logisticTemperature)")
        }
        guard mixtureTemperature > 0, mixtureTemperature.isFinite else {
            throw LMConvError.invalidArgument(reason: "the mixture temperature must be finite and > 0, got \(mixtureTemperature)")
        }
    }
}

/// Samples the C sub-pixel values of one pixel from its output parameters `params` (OC) with the logistic
/// temperature `temperature` and the other options at their defaults.
public func samplePixel(_ params: [Float], configuration cfg: ModelConfiguration, temperature: Float,
                        rng: inout Xoshiro256) -> [Float] {
    samplePixel(params, configuration: cfg, options: PixelSamplingOptions(logisticTemperature: temperature), rng: &rng)
}

/// Samples the C sub-pixel values of one pixel from its output parameters `params` (OC).
///
/// Binarized: −1 or +1 from the two logits. Mixtures: a component by Gumbel-max over the logits, then for each
/// channel a logistic sample `mean + exp(log_scale) * temperature * (log u − log(1 − u))` (mean, log scale and
/// coefficients first divided by the mixture temperature), clamped to [-1, 1] and (with `quantize`) rounded to the
/// data's bins; channels 1 and 2 add the coefficient terms of the already sampled channels.
public func samplePixel(_ params: [Float], configuration cfg: ModelConfiguration, options: PixelSamplingOptions,
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
    let mixtureScale = 1 / options.mixtureTemperature
    /// Component `best`'s parameter `offset` (mean 0, log scale M, coefficient 2M) of channel c.
    func component(_ c: Int, _ offset: Int) -> Float {
        params[(C == 1 ? M : M + 3 * M * c) + offset + best] * mixtureScale
    }
    var x = [Float](repeating: 0, count: C)
    for c in 0..<C {
        var mean = component(c, 0)
        if C == 3 && c == 1 { mean += tanh(component(0, 2 * M)) * x[0] }
        if C == 3 && c == 2 { mean += tanh(component(1, 2 * M)) * x[0] + tanh(component(2, 2 * M)) * x[1] }
        let logScale = max(component(c, M), -7)
        let u = rng.nextUniform() * (1 - 2e-5) + 1e-5
        let noise = exp(logScale) * options.logisticTemperature * (log(u) - log(1 - u))
        x[c] = options.quantize ? discretize(mean + noise, levels: levels) : min(max(mean + noise, -1), 1)
    }
    return x
}
