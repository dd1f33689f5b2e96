/// Everything about a training run that a checkpoint must hold for the run to resume exactly.
public struct TrainingState: Codable, Equatable, Sendable {
    public var options: TrainingOptions
    /// Optimizer steps taken.
    public var step: Int
    /// The current (decayed) learning rate.
    public var learningRate: Float
    /// The data order's position. (Orders, binarisation and dropout need no state: they are derived from the seed,
    /// the step and the image index, see RandomStreams.swift.)
    public var batches: BatchIterator.State
    /// The best test bits per dimension seen so far.
    public var bestTestBPD: Double?
    /// Adam's update count when it differs from ``step`` (a run fine-tuned from another checkpoint with its
    /// optimizer state continues that optimizer's bias correction); nil: equal to ``step``.
    public var optimizerStep: Int? = nil
}
