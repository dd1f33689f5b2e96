import Foundation

// The discretized logistic of PixelCNN++ (Salimans et al. 2017), one component at one sub-pixel, with its gradient.
// Computed in Double: the per-pixel cost is negligible beside the convolutions, and it keeps the edge cases
// (tiny bin probabilities, x at ±1) accurate.

@inline(__always) func softplus(_ x: Double) -> Double { x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)) }
@inline(__always) func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }

/// log P(x) of the logistic with `mean` and `logScale` (already clamped at −7) integrated over the bin of half-width
/// `halfBin` around x, with the reference's case analysis (SPEC section 6), and its derivatives in mean and log scale.
@inline(__always)
func discretizedLogisticLogProbability(x: Double, mean: Double, logScale: Double, halfBin h: Double)
    -> (logProbability: Double, dMean: Double, dLogScale: Double)
{
    let centered = x - mean
    let inverseScale = exp(-logScale)
    if x < -0.999 {
        // Lowest bin: log σ(plus).
        let plus = inverseScale * (centered + h)
        let dPlus = 1 - sigmoid(plus)
        return (plus - softplus(plus), -dPlus * inverseScale, -dPlus * plus)
    }
    if x > 0.999 {
        // Highest bin: log(1 − σ(min)).
        let minus = inverseScale * (centered - h)
        let dMinus = -sigmoid(minus)
        return (-softplus(minus), -dMinus * inverseScale, -dMinus * minus)
    }
    let plus = inverseScale * (centered + h), minus = inverseScale * (centered - h)
    let cdfPlus = sigmoid(plus), cdfMinus = sigmoid(minus)
    let delta = cdfPlus - cdfMinus
    if delta > 1e-5 {
        let dPlus = cdfPlus * (1 - cdfPlus) / delta
        let dMinus = -cdfMinus * (1 - cdfMinus) / delta
        return (log(max(delta, 1e-12)), -(dPlus + dMinus) * inverseScale, -(dPlus * plus + dMinus * minus))
    }
    // Tiny bin probability: the density at the bin centre times the bin width (log 127.5 as the reference keeps it).
    let mid = inverseScale * centered
    let dMid = 1 - 2 * sigmoid(mid)
    return (mid - logScale - 2 * softplus(mid) - log(127.5), -dMid * inverseScale, -dMid * mid - 1)
}
