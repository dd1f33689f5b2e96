/// Everything about a training run that a checkpoint must hold for the run to resume exactly.
public struct TrainingState: Codable, Equatable, Sendable {
    public var options: TrainingOptions
    /// Optimizer steps taken.
    public var step: Int
    /// The current (decayed) learning rate.
    public var learningRate: Float
    /// The data order's position.
    public var batches: BatchIterator.State
    /// The generator for orders, binarisation and dropout.
    public var rng: [UInt64]
    /// The best test bits per dimension seen so far.
    public var bestTestBPD: Double?
}
