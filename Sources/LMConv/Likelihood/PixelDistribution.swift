import Foundation

// The model's distribution of one sub-pixel over its 2^n_bits levels (two for binarized models), from the network's
// output parameters at that pixel: what the autoregressive session hands out at each step, and what a codec turns
// into frequencies. Its numbers come from the likelihood's own per-bin function (DiscretizedLogistic.swift) and
// log-softmax, so Σ_c log P(channel c | earlier channels) equals the likelihood's log p of the pixel.
// Legend: M mixture components, C image channels, L levels.

/// The distribution of one sub-pixel over its levels (level i is the value i / (L − 1) * 2 − 1 in [-1, 1]), given
/// the pixels generated before it and, for RGB, the pixel's earlier channels.
public struct PixelDistribution: Sendable, Equatable {
    /// The number of levels L: 2 for binarized models, 2^n_bits otherwise.
    public let levels: Int
    enum Kind: Sendable, Equatable {
        /// Logits of [-1, +1].
        case binary(minus: Double, plus: Double)
        /// A mixture: normalised log weights, means (the RGB coefficient terms added) and log scales (clamped at -7)
        /// per component, and the half-width of a bin.
        case mixture(logWeights: [Double], means: [Double], logScales: [Double], halfBin: Double)
    }
    let kind: Kind

    /// The distribution of channel `channel` of a pixel whose output parameters are `parameters` (OC), given the
    /// levels of its earlier channels (`earlierLevels.count == channel`).
    public init(parameters: [Float], configuration cfg: ModelConfiguration, channel: Int, earlierLevels: [Int]) {
        precondition(parameters.count == cfg.outputChannels, "expected \(cfg.outputChannels) output parameters")
        precondition(channel >= 0 && channel < cfg.channels && earlierLevels.count == channel)
        if cfg.binarize {
            levels = 2
            kind = .binary(minus: Double(parameters[0]), plus: Double(parameters[1]))
            return
        }
        let M = cfg.mixtures, C = cfg.channels, L = 1 << cfg.nBits
        let h = halfBinWidth(cfg)
        levels = L
        let p = parameters.map(Double.init)
        func meanIndex(_ c: Int) -> Int { C == 1 ? M : M + 3 * M * c }
        let earlier = earlierLevels.map { Double(binValue($0, levels: L)) }
        var logWeights = [Double](repeating: 0, count: M)
        var means = [Double](repeating: 0, count: M)
        var logScales = [Double](repeating: 0, count: M)
        for k in 0..<M {
            // Channel c' of component k, its mean shifted by the coefficients of the channels before it.
            func component(_ c: Int) -> (mean: Double, logScale: Double) {
                var mean = p[meanIndex(c) + k]
                if C == 3 && c == 1 { mean += tanh(p[meanIndex(0) + 2 * M + k]) * earlier[0] }
                if C == 3 && c == 2 {
                    mean += tanh(p[meanIndex(1) + 2 * M + k]) * earlier[0] + tanh(p[meanIndex(2) + 2 * M + k]) * earlier[1]
                }
                return (mean, max(p[meanIndex(c) + M + k], -7))
            }
            var w = p[k]
            for c in 0..<channel {
                let (mean, logScale) = component(c)
                w += discretizedLogisticLogProbability(x: earlier[c], mean: mean, logScale: logScale, halfBin: h)
                    .logProbability
            }
            logWeights[k] = w
            (means[k], logScales[k]) = component(channel)
        }
        let normalizer = logSumExp(logWeights)
        kind = .mixture(logWeights: logWeights.map { $0 - normalizer }, means: means, logScales: logScales, halfBin: h)
    }

    /// log P(level), in nats.
    public func logProbability(ofLevel level: Int) -> Double {
        precondition(level >= 0 && level < levels, "level \(level) outside 0..<\(levels)")
        switch kind {
        case .binary(let minus, let plus):
            let m = max(minus, plus)
            let logSum = m + log(exp(minus - m) + exp(plus - m))
            return (level == 1 ? plus : minus) - logSum
        case .mixture(let logWeights, let means, let logScales, let h):
            let x = Double(binValue(level, levels: levels))
            var terms = logWeights
            for k in terms.indices {
                terms[k] += discretizedLogisticLogProbability(x: x, mean: means[k], logScale: logScales[k], halfBin: h)
                    .logProbability
            }
            return logSumExp(terms)
        }
    }

    /// P(level) for every level (L), summing to 1 up to the likelihood's tiny-bin approximation.
    public var probabilities: [Double] { (0..<levels).map { exp(logProbability(ofLevel: $0)) } }

    /// The mixture's parameters for this channel (normalised log weights, shifted means, clamped log scales), for
    /// exact integer arithmetic elsewhere (a codec's frequencies); nil for a binarized model.
    public var mixtureParameters: (logWeights: [Double], means: [Double], logScales: [Double])? {
        if case .mixture(let w, let m, let s, _) = kind { return (w, m, s) }
        return nil
    }

    /// The two logits [-1, +1] of a binarized model; nil for a mixture.
    public var binaryLogits: (minus: Double, plus: Double)? {
        if case .binary(let minus, let plus) = kind { return (minus, plus) }
        return nil
    }
}

/// The half-width of a level's bin in [-1, 1] that the likelihood integrates over: 1 / (2^n_bits − 1), for one
/// channel as for three (the reference's one-channel loss keeps 1/255, right only at 8 bits).
func halfBinWidth(_ cfg: ModelConfiguration) -> Double {
    1 / Double((1 << cfg.nBits) - 1)
}

/// log Σ exp(x), stably.
func logSumExp(_ x: [Double]) -> Double {
    guard let m = x.max(), m > -.infinity else { return -.infinity }
    return m + log(x.reduce(0) { $0 + exp($1 - m) })
}
