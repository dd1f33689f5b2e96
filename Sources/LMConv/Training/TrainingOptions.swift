/// How to train (SPEC section 7 gives the reference's values).
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var batchSize: Int = 32
    public var learningRate: Float = 2e-4
    /// Multiplies the learning rate once per epoch.
    public var learningRateDecay: Float = 0.999995
    /// Clip the global gradient norm to this value (nil: no clipping).
    public var clipNorm: Float? = nil
    /// Keep an exponential moving average of the weights with this decay (nil: none).
    public var emaDecay: Float? = nil
    /// Seeds the weights, the data order, the orders drawn, dynamic binarisation and dropout.
    public var seed: UInt64 = 0
    /// Replace this fraction of each training image's pixels by uniform noise (``Preprocessing/perturb``), as for the
    /// background model of a likelihood ratio (nil: none).
    public var perturbRate: Double? = nil
    public init() {}
}
