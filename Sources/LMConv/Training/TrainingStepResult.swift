/// The result of one training step.
public struct TrainingStepResult: Sendable {
    /// The summed NLL of the batch, nats.
    public var loss: Double
    /// Bits per dimension of the batch.
    public var bitsPerDimension: Double
    /// Images in the step (all of its batches).
    public var batchSize: Int
    /// Which order (index into the variant list) the step's first batch used.
    public var orderIndex: Int
    /// Seconds this step spent in the allreduces that sum the ranks' gradients and losses (0 for one process),
    /// after a barrier: the cost of moving the gradients.
    public var allreduceSeconds: Double = 0
    /// Seconds this step waited at that barrier for the slowest rank (load imbalance, other work on the machine).
    public var waitSeconds: Double = 0
    /// Sub-pixels in the step's images (images x C x H x W, summed over its batches: sizes may differ).
    public var dimensions: Int = 0
}
