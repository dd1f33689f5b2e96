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
}
