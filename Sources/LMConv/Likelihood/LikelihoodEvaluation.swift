/// The NLLs of a batch and, when asked, the gradient of their sum.
public struct LikelihoodEvaluation: Sendable {
    /// −log p(x_b) in nats for every image, summed over the pixels counted (all, or the region's).
    public var perImageNLL: [Double]
    /// d(Σ_b perImageNLL[b]) / d(output), (OC, B, H, W); nil unless asked for.
    public var dOutput: Tensor?
    /// The summed NLL of the batch.
    public var total: Double { perImageNLL.reduce(0, +) }
}
