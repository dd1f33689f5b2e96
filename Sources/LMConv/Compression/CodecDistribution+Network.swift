// The codec's distribution of one sub-pixel from the network's output parameters at its pixel (SPEC section 6),
// computed with PortableMath alone so that encoder and decoder get the same frequencies on any machine. It is the
// same distribution as ``PixelDistribution`` (the likelihood's), up to the last bits of exp, log and tanh.
// Legend: M mixture components, C image channels, L levels, OC output channels.

extension CodecDistribution {
    /// The distribution of channel `channel` of a pixel whose network output is `parameters` (OC), given the levels
    /// of the pixel's earlier channels (`earlierLevels.count == channel`).
    ///
    /// Binarized models: the two logits of {-1, +1}. Mixtures: for one channel the mixture itself; for RGB, channel
    /// c's component means get the coefficient terms of the earlier channels' values, and each component's weight
    /// is multiplied by the probability it gave the earlier channels (the conditional of the joint mixture).
    public init(parameters p: [Float], configuration cfg: ModelConfiguration, channel: Int, earlierLevels: [Int]) {
        precondition(p.count == cfg.outputChannels, "expected \(cfg.outputChannels) output parameters, got \(p.count)")
        precondition(channel >= 0 && channel < cfg.channels && earlierLevels.count == channel)
        if cfg.binarize {
            self = .binary(logitMinus: Double(p[0]), logitPlus: Double(p[1]))
            return
        }
        let M = cfg.mixtures, C = cfg.channels, L = 1 << cfg.nBits
        if C == 1 {
            self = .logisticMixture(DiscretizedLogisticMixture(
                logits: p[0..<M].map(Double.init), means: p[M..<(2 * M)].map(Double.init),
                logScales: p[(2 * M)..<(3 * M)].map(Double.init), levels: L))
            return
        }
        // RGB layout: M logits, then per channel c: M means, M log-scales, M coefficient pre-activations.
        func parameter(_ c: Int, _ part: Int, _ k: Int) -> Double { Double(p[M + 3 * M * c + M * part + k]) }
        let earlier = earlierLevels.map { DiscretizedLogisticMixture.value(ofLevel: $0, levels: L) }
        // Channel c's mean of component k given the earlier channels' values: channel 1 reads the coefficient of
        // channel 0, channel 2 those of channels 1 and 2 (the reference's layout).
        func mean(_ c: Int, _ k: Int) -> Double {
            switch c {
            case 0: return parameter(0, 0, k)
            case 1: return DiscretizedLogisticMixture.conditionedMean(
                parameter(1, 0, k), coefficientPreActivations: [parameter(0, 2, k)], previousValues: [earlier[0]])
            default: return DiscretizedLogisticMixture.conditionedMean(
                parameter(2, 0, k), coefficientPreActivations: [parameter(1, 2, k), parameter(2, 2, k)],
                previousValues: [earlier[0], earlier[1]])
            }
        }
        var logits = [Double](repeating: 0, count: M)
        var means = [Double](repeating: 0, count: M)
        var logScales = [Double](repeating: 0, count: M)
        for k in 0..<M {
            var logit = Double(p[k])
            for c in 0..<channel {
                logit += DiscretizedLogisticMixture.logProbability(
                    ofLevel: earlierLevels[c], mean: mean(c, k), logScale: parameter(c, 1, k), levels: L)
            }
            logits[k] = logit
            means[k] = mean(channel, k)
            logScales[k] = parameter(channel, 1, k)
        }
        self = .logisticMixture(DiscretizedLogisticMixture(logits: logits, means: means, logScales: logScales, levels: L))
    }
}

extension DiscretizedLogisticMixture {
    /// log P(level) under one discretized logistic (mean, log-scale clamped at -7) over `levels` levels, in
    /// PortableMath: the difference of its CDF at the level's bin edges (the extreme levels take the tails), floored
    /// at 1e-300 so that a component that gave an earlier channel no probability still has a finite weight.
    static func logProbability(ofLevel level: Int, mean: Double, logScale: Double, levels: Int) -> Double {
        let inverseScale = PortableMath.exp(-Swift.max(logScale, -7))
        let denominator = Double(levels - 1)
        func cdf(belowEdgeOf i: Int) -> Double {   // the CDF at the upper edge of level i: (2i + 1) / (L - 1) - 1
            PortableMath.sigmoid(inverseScale * (Double(2 * i + 1) / denominator - 1 - mean))
        }
        let upper = level == levels - 1 ? 1 : cdf(belowEdgeOf: level)
        let lower = level == 0 ? 0 : cdf(belowEdgeOf: level - 1)
        return PortableMath.log(Swift.max(upper - lower, 1e-300))
    }
}
