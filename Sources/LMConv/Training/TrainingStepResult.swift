/// The result of one training step.
public struct TrainingStepResult: Sendable {
    /// The summed NLL of the batch, nats.
    public var loss: Double
    /// Bits per dimension of the batch.
    public var bitsPerDimension: Double
    /// Images in the batch.
    public var batchSize: Int
    /// Which order (index into the variant list) the batch used.
    public var orderIndex: Int
    /// Seconds this step spent in the allreduces that sum the ranks' gradients and losses (0 for one process),
    /// after a barrier: the cost of moving the gradients.
    public var allreduceSeconds: Double = 0
    /// Seconds this step waited at that barrier for the slowest rank (load imbalance, other work on the machine).
    public var waitSeconds: Double = 0
}
