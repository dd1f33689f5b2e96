/// How long a run trains and how often it logs, checkpoints and evaluates.
public struct TrainingSchedule: Codable, Equatable, Sendable {
    /// Train until the trainer has taken this many optimizer steps in all (a resumed run counts the earlier ones).
    public var totalSteps: Int
    /// Append a train record to `metrics.jsonl` every this many steps (and at the last step).
    public var logEvery: Int = 10
    /// Write `last.safetensors` every this many steps (and at the last step).
    public var checkpointEvery: Int = 100
    /// Evaluate on the test data every this many steps (and at the last step); 0: only at the last step.
    public var evalEvery: Int = 500
    /// Evaluate on at most this many test images (the first ones); nil: all.
    public var evalLimit: Int? = 1000
    /// Evaluate with the first this many orders of the training variant list (1: order 0 only, fast).
    public var evalOrders: Int = 1
    /// Images per evaluation batch.
    public var evalBatchSize: Int = 50
    /// When set, the run trains for this many epochs in all: ``totalSteps`` becomes epochs x batches per epoch once
    /// the data is known.
    public var epochs: Int? = nil
    /// Also keep every this many steps' checkpoint as `step-N.safetensors` beside `last.safetensors` (nil: none).
    public var keepEvery: Int? = nil
    /// Write `samples-step-N.png` (``sampleCount`` images drawn from the evaluated weights) every this many steps
    /// (nil: none).
    public var sampleEvery: Int? = nil
    /// Images in each picture of ``sampleEvery`` (nil: 16).
    public var sampleCount: Int? = nil

    public init(totalSteps: Int) { self.totalSteps = totalSteps }

    /// Train for `epochs` epochs in all.
    public init(epochs: Int) {
        self.totalSteps = 0
        self.epochs = epochs
    }

    enum CodingKeys: String, CodingKey {
        case totalSteps = "steps", logEvery = "log_every", checkpointEvery = "checkpoint_every"
        case evalEvery = "eval_every", evalLimit = "eval_limit", evalOrders = "eval_orders"
        case evalBatchSize = "eval_batch_size", epochs, keepEvery = "keep_every", sampleEvery = "sample_every"
        case sampleCount = "sample_count"
    }

    /// Throws for a value out of range, naming it.
    public func validate() throws {
        guard epochs.map({ $0 >= 0 }) ?? true else {
            throw LMConvError.invalidConfiguration(reason: "the number of epochs must be >= 0")
        }
        guard totalSteps >= 0 else {
            throw LMConvError.invalidConfiguration(reason: "the number of steps must be >= 0, got \(totalSteps)")
        }
        guard logEvery >= 1 else {
            throw LMConvError.invalidConfiguration(reason: "log_every must be >= 1, got \(logEvery)")
        }
        guard checkpointEvery >= 1 else {
            throw LMConvError.invalidConfiguration(reason: "checkpoint_every must be >= 1, got \(checkpointEvery)")
        }
        guard evalEvery >= 0 else {
            throw LMConvError.invalidConfiguration(reason: "eval_every must be >= 0, got \(evalEvery)")
        }
        guard evalLimit.map({ $0 >= 1 }) ?? true else {
            throw LMConvError.invalidConfiguration(reason: "eval_limit must be >= 1")
        }
        guard evalOrders >= 1 else {
            throw LMConvError.invalidConfiguration(reason: "eval_orders must be >= 1, got \(evalOrders)")
        }
        for (value, flag) in [(keepEvery, "--keep-every"), (sampleEvery, "--sample-every"), (sampleCount, "--sample-count")] {
            if let value, value < 1 { throw LMConvError.invalidOption(name: flag, reason: "must be >= 1, got \(value)") }
        }
        guard evalBatchSize >= 1 else {
            throw LMConvError.invalidConfiguration(reason: "eval_batch_size must be >= 1, got \(evalBatchSize)")
        }
    }
}
