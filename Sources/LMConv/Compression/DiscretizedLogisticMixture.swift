import CPortableKernels

/// One sub-pixel's mixture of discretized logistics over L levels (SPEC section 6), as the codec needs it: the
/// probability of every level, computed with ``PortableMath`` in a fixed order so that encoder and decoder agree
/// to the bit.
///
/// Level i stands for x_i = 2i / (L - 1) - 1 and covers [x_i - h, x_i + h], h = 1 / (L - 1); the lowest level
/// takes everything below, the highest everything above, as in the likelihood. The probabilities are differences of
/// the components' CDFs at the L - 1 bin edges, so they sum to 1 by construction (the likelihood's approximations
/// for tiny bins are not needed: their absolute error here, about 1e-16, is far below one frequency unit 2^-24).
public struct DiscretizedLogisticMixture: Equatable, Sendable {
    /// Mixture logits (M): weights softmax(logits).
    public var logits: [Double]
    /// Component means (M) in [-1, 1] units, with the RGB coefficient terms already added (see ``conditionedMean(_:coefficientPreActivations:previousValues:)``).
    public var means: [Double]
    /// Component log-scales (M) as the network outputs them; clamped below at -7 here, as in the likelihood.
    public var logScales: [Double]
    /// The number of levels L = 2^n_bits (at least 2).
    public var levels: Int

    public init(logits: [Double], means: [Double], logScales: [Double], levels: Int) {
        precondition(!logits.isEmpty && means.count == logits.count && logScales.count == logits.count,
                     "mixture: \(logits.count) logits, \(means.count) means, \(logScales.count) log-scales")
        precondition(levels >= 2 && levels <= 1 << 16, "mixture: \(levels) levels")
        self.logits = logits
        self.means = means
        self.logScales = logScales
        self.levels = levels
    }

    /// P(level) for every level (L values, summing to 1 up to rounding).
    public func probabilities() -> [Double] { probabilities(path: nil) }

    /// ``probabilities()`` on a given instruction-set path of the C kernels (tests and benchmarks: every path gives
    /// the same bits); nil for the fastest available. `path` must be available.
    public func probabilities(path: PortableKernels.Path?) -> [Double] {
        precondition(path?.isAvailable ?? true, "mixture: the \(path!) path is not available on this CPU")
        let m = logits.count, l = levels
        // Mixture weights: softmax with the maximum subtracted.
        var largest = -Double.infinity
        for v in logits where v > largest { largest = v }
        var weights = [Double](repeating: 0, count: m)
        var weightSum = 0.0
        for k in 0..<m {
            weights[k] = PortableMath.exp(logits[k] - largest)
            weightSum += weights[k]
        }
        let edges = Self.upperEdges(levels: l)
        var p = [Double](repeating: 0, count: l)
        var scratch = [Double](repeating: 0, count: l)   // the C kernel's: 0, then a component's CDF at the edges
        edges.withUnsafeBufferPointer { edges in
            p.withUnsafeMutableBufferPointer { p in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    for k in 0..<m {
                        let weight = weights[k] / weightSum
                        // A component of weight below 1e-15 moves no level's probability by a frequency unit (2^-24).
                        if weight < 1e-15 { continue }
                        let inverseScale = PortableMath.exp(-Swift.max(logScales[k], -7))
                        // In C, vectorised across the edges (CPortableKernels, the same bits on every path): for
                        // every edge, the component's CDF PortableMath.logisticCDF(inverseScale * (edge - mean)),
                        // then p[i] += weight * (cdf[i] - cdf[i - 1]) and p[L - 1] += weight * (1 - cdf[L - 2]).
                        if let path {
                            lmconv_logistic_component_path(path.rawValue, edges.baseAddress!, l - 1, inverseScale,
                                                           means[k], weight, p.baseAddress!, scratch.baseAddress!)
                        } else {
                            lmconv_logistic_component(edges.baseAddress!, l - 1, inverseScale, means[k], weight,
                                                      p.baseAddress!, scratch.baseAddress!)
                        }
                    }
                }
            }
        }
        return p
    }

    /// The rANS frequencies of the levels: ``quantizeFrequencies(probabilities:precisionBits:)`` of
    /// ``probabilities()``.
    public func frequencies(precisionBits: Int = RANS.precisionBits) -> [UInt32] {
        quantizeFrequencies(probabilities: probabilities(), precisionBits: precisionBits)
    }

    /// The value x in [-1, 1] that level `level` of `levels` stands for: 2 level / (L - 1) - 1.
    public static func value(ofLevel level: Int, levels: Int) -> Double {
        Double(2 * level) / Double(levels - 1) - 1
    }

    /// A component's mean for channel c of an RGB pixel (SPEC section 6): mean + Σ_j tanh(pre_j) * x_j over the
    /// earlier channels' values x_j, summed in order j = 0, 1 (channel 1: one term, channel 2: two).
    public static func conditionedMean(_ mean: Double, coefficientPreActivations: [Double], previousValues: [Double]) -> Double {
        precondition(coefficientPreActivations.count == previousValues.count)
        var result = mean
        for j in previousValues.indices {
            result = result + PortableMath.tanh(coefficientPreActivations[j]) * previousValues[j]
        }
        return result
    }

    /// The upper edge of every level but the last, x_i + h = (2i + 1) / (L - 1) - 1: a table per n-bit level count,
    /// computed once (not per sub-pixel), other counts on demand.
    static func upperEdges(levels l: Int) -> [Double] {
        l > 0 && l <= 256 && l.nonzeroBitCount == 1 ? edgeTables[l.trailingZeroBitCount] : computeUpperEdges(levels: l)
    }

    private static let edgeTables: [[Double]] = (0...8).map { computeUpperEdges(levels: 1 << $0) }

    private static func computeUpperEdges(levels l: Int) -> [Double] {
        let denominator = Double(l - 1)
        return (0..<Swift.max(0, l - 1)).map { Double(2 * $0 + 1) / denominator - 1 }
    }
}
