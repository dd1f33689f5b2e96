import Foundation
import LMConvDistributed

// A trainer's state in and out of checkpoints: exact resume, and fine-tuning from another run's weights (and its
// optimizer state).

extension Trainer {
    /// Continues a run from a checkpoint written by ``checkpoint()``, exactly where it stopped.
    public convenience init(resuming checkpoint: Checkpoint, data: ImageDataset, source: String,
                            communicator: any Communicator = SingleProcessCommunicator()) throws {
        guard let state = checkpoint.training, checkpoint.optimizerMoments != nil else {
            throw LMConvError.invalidArgument(source: source,
                                              reason: "not a training checkpoint (no optimizer or training state); cannot resume")
        }
        let model = try checkpoint.makeNetwork(source: source)
        try self.init(model: model, orders: checkpoint.orders, data: data, options: state.options,
                      communicator: communicator)
        try loadOptimizerState(checkpoint, source: source)
        adam.learningRate = state.learningRate
        step = state.step
        bestTestBPD = state.bestTestBPD
        batches = try BatchIterator(count: data.count, batchSize: min(state.options.batchSize, data.count),
                                    state: state.batches)
        if state.options.emaDecay != nil {
            guard let emaWeights = checkpoint.emaWeights else {
                throw LMConvError.corruptFile(source: source, reason: "EMA weights are missing")
            }
            ema = try flat(emaWeights, what: "EMA weight", source: source)
        }
    }

    /// Takes Adam's moments and update count from `checkpoint` (another run's, for fine-tuning: the weights come
    /// with the network the trainer was made with). Throws when it has no optimizer state.
    public func loadOptimizerState(_ checkpoint: Checkpoint, source: String) throws {
        guard let moments = checkpoint.optimizerMoments else {
            throw LMConvError.invalidArgument(source: source, reason: "holds no optimizer state")
        }
        adam.firstMoment = try flat(moments.first, what: "optimizer state", source: source)
        adam.secondMoment = try flat(moments.second, what: "optimizer state", source: source)
        adam.step = checkpoint.training.map { $0.optimizerStep ?? $0.step } ?? checkpoint.optimizerStep ?? 0
    }

    /// Named tensors of every parameter's shape in the store's flat layout.
    private func flat(_ named: [String: Tensor], what: String, source: String) throws -> [Float] {
        let store = model.parameters
        var values = [Float](repeating: 0, count: store.totalCount)
        for slot in store.slots {
            guard let t = named[slot.name], t.count == slot.count else {
                throw LMConvError.corruptFile(source: source, reason: "\(what) '\(slot.name)' is missing or has the wrong size")
            }
            for i in 0..<slot.count { values[slot.offset + i] = t.scalars[i] }
        }
        return values
    }

    /// Everything needed to resume.
    public func checkpoint() -> Checkpoint {
        let store = model.parameters
        func named(_ flat: [Float]) -> [String: Tensor] {
            Dictionary(uniqueKeysWithValues: store.slots.map {
                ($0.name, Tensor(shape: $0.shape, scalars: Array(flat[$0.offset..<($0.offset + $0.count)])))
            })
        }
        let state = TrainingState(options: options, step: step, learningRate: adam.learningRate,
                                  batches: batches.state, bestTestBPD: bestTestBPD,
                                  optimizerStep: adam.step == step ? nil : adam.step)
        return Checkpoint(configuration: model.configuration, orders: orderSpecification, weights: model.namedWeights(),
                          emaWeights: ema.map(named), optimizerMoments: (named(adam.firstMoment), named(adam.secondMoment)),
                          training: state)
    }
}
