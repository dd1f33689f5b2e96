import Foundation

/// Something that happened during ``TrainingRun/run(onEvent:)``, for progress displays.
public enum TrainingEvent: Sendable {
    /// An optimizer step finished; `imagesPerSecond` is measured over the steps since the last log record.
    case step(TrainingStepResult, step: Int, totalSteps: Int, imagesPerSecond: Double)
    /// A record was appended to `metrics.jsonl`.
    case logged(MetricsRecord)
    /// Test evaluation progress: images done of the total.
    case evaluating(done: Int, total: Int)
    /// A test evaluation finished; `isBest` when it wrote `best.safetensors`.
    case evaluated(step: Int, bitsPerDimension: Double, isBest: Bool)
    /// A picture of samples was written (``TrainingSchedule/sampleEvery``).
    case sampled(URL, step: Int)
    /// A checkpoint was written.
    case checkpointWritten(URL, step: Int)
}
