/// How ``TrainingRun/run(onEvent:stopRequested:)`` ended.
public enum TrainingRunEnd: Sendable, Equatable {
    /// The schedule's last step was trained (or had been already) and checkpointed.
    case finished
    /// A stop was requested; training ended after `step`, whose checkpoint is written.
    case stopped(step: Int)
}
