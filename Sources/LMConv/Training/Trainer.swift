import Foundation
import LMConvDistributed

/// Trains a Locally Masked PixelCNN as the reference does: Adam on the summed NLL of each batch, one order drawn
/// uniformly from the variant list per batch, learning-rate decay per epoch, optional clipping and EMA.
///
/// Data parallel over a ``Communicator``: every rank holds the same model and takes the same global batch; each
/// works on its share of the images (``Shard``), and one allreduce of the flat gradient buffer per step gives every
/// rank the whole batch's gradient. Every random number is drawn per image from (seed, step, image index), so any
/// number of ranks follows one process's trajectory, up to the order of float summation.
public final class Trainer {
    public let model: LocallyMaskedPixelCNN
    public let orderSpecification: OrderSpecification
    public let orders: [GenerationOrder]
    public let options: TrainingOptions
    public let data: ImageDataset
    let masks: [OrderMasks]
    var adam: AdamOptimizer
    var ema: [Float]?                 // (parameter count)
    var batches: BatchIterator
    /// The ranks that train together (a single process by default).
    public let communicator: any Communicator
    public private(set) var step: Int = 0
    public var bestTestBPD: Double?

    /// The pixel encoding of training data: dynamic binarisation for binarized models, else n_bits quantisation.
    public var encoding: PixelEncoding { model.configuration.inputEncoding() }

    /// A new run. Under a communicator of several ranks, every rank must pass the same model, orders, data and
    /// options (checked where cheap).
    public init(model: LocallyMaskedPixelCNN, orders: OrderSpecification, data: ImageDataset,
                options: TrainingOptions, communicator: any Communicator = SingleProcessCommunicator()) throws {
        let cfg = model.configuration
        guard data.channels == cfg.channels, data.height == cfg.height, data.width == cfg.width else {
            throw LMConvError.shapeMismatch(reason: "training images are \(data.channels)x\(data.height)x\(data.width), the model is "
                + "\(cfg.channels)x\(cfg.height)x\(cfg.width)")
        }
        guard data.count > 0 else { throw LMConvError.invalidArgument(reason: "the training data holds no images") }
        if let rate = options.perturbRate, !(rate >= 0 && rate <= 1) {
            throw LMConvError.invalidArgument(reason: "the perturbation rate must be in [0, 1], got \(rate)")
        }
        self.model = model
        self.orderSpecification = orders
        self.orders = try orders.orders(height: cfg.height, width: cfg.width)
        self.masks = try self.orders.map { try OrderMasks(order: $0, kernelSize: cfg.kernelSize, maxDilation: cfg.maxDilation) }
        self.options = options
        self.data = data
        adam = AdamOptimizer(parameterCount: model.parameters.totalCount, learningRate: options.learningRate)
        if options.emaDecay != nil { ema = Array(model.parameters.values) }
        self.communicator = communicator
        batches = try BatchIterator(count: data.count, batchSize: min(options.batchSize, data.count), seed: options.seed)
    }

    /// Continues a run from a checkpoint written by ``checkpoint()``, exactly where it stopped.
    public convenience init(resuming checkpoint: Checkpoint, data: ImageDataset, source: String,
                            communicator: any Communicator = SingleProcessCommunicator()) throws {
        guard let state = checkpoint.training, let moments = checkpoint.optimizerMoments else {
            throw LMConvError.invalidArgument(source: source,
                                              reason: "not a training checkpoint (no optimizer or training state); cannot resume")
        }
        let model = try checkpoint.makeModel(source: source)
        try self.init(model: model, orders: checkpoint.orders, data: data, options: state.options,
                      communicator: communicator)
        let store = model.parameters
        for slot in store.slots {
            guard let m = moments.first[slot.name], let v = moments.second[slot.name], m.count == slot.count,
                  v.count == slot.count else {
                throw LMConvError.corruptFile(source: source,
                                              reason: "optimizer state for '\(slot.name)' is missing or has the wrong size")
            }
            for i in 0..<slot.count {
                adam.firstMoment[slot.offset + i] = m.scalars[i]
                adam.secondMoment[slot.offset + i] = v.scalars[i]
            }
        }
        adam.step = state.step
        adam.learningRate = state.learningRate
        step = state.step
        bestTestBPD = state.bestTestBPD
        batches = try BatchIterator(count: data.count, batchSize: min(state.options.batchSize, data.count),
                                    state: state.batches)
        if state.options.emaDecay != nil {
            guard let emaWeights = checkpoint.emaWeights else {
                throw LMConvError.corruptFile(source: source, reason: "EMA weights are missing")
            }
            var values = [Float](repeating: 0, count: store.totalCount)
            for slot in store.slots {
                guard let t = emaWeights[slot.name], t.count == slot.count else {
                    throw LMConvError.corruptFile(source: source,
                                                  reason: "EMA weight '\(slot.name)' is missing or has the wrong size")
                }
                for i in 0..<slot.count { values[slot.offset + i] = t.scalars[i] }
            }
            ema = values
        }
    }

    /// The current learning rate.
    public var learningRate: Float { adam.learningRate }
    /// The current epoch (complete passes over the data).
    public var epoch: Int { batches.epoch }
    /// Batches per epoch.
    public var batchesPerEpoch: Int { batches.batchesPerEpoch }

    /// One optimizer step on the next batch. A non-finite loss or gradient throws before any weight changes.
    /// Under several ranks every rank must call it together; each returns the whole batch's result.
    @discardableResult
    public func trainStep() throws -> TrainingStepResult {
        let cfg = model.configuration, seed = options.seed, stepIndex = step
        let batch = batches.next()                                  // the global batch, the same on every rank
        let orderIndex = stepOrderIndex(seed: seed, step: stepIndex, count: orders.count)
        let indices = Array(batch[Shard(count: batch.count, communicator: communicator).range])
        let store = model.parameters
        store.zeroGradients()
        var loss = [0.0]
        if !indices.isEmpty {                                       // a rank may get no image of a small batch
            let x = Tensor(shape: [indices.count, cfg.channels, cfg.height, cfg.width],
                           scalars: data.networkInput(indices, encoding: encoding, perturbRate: options.perturbRate) {
                               Xoshiro256(seed: seed, purpose: .binarization, step: stepIndex, image: $0)
                           })
            var dropout = DropoutGenerators(perImage: indices.map {
                Xoshiro256(seed: seed, purpose: .dropout, step: stepIndex, image: $0)
            })
            let (output, cache) = model.forward(x, masks: masks[orderIndex], training: true, dropout: &dropout)
            let evaluation = negativeLogLikelihood(output: output, target: x, configuration: cfg, wantGradient: true)
            loss[0] = evaluation.total
            if loss[0].isFinite { model.backward(evaluation.dOutput!, cache: cache) }
        }
        var allreduceSeconds = 0.0, waitSeconds = 0.0
        if communicator.isDistributed {
            // The barrier (microseconds) separates waiting for the slowest rank from the transfer in the metrics.
            let start = DispatchTime.now().uptimeNanoseconds
            try communicator.barrier()
            let ready = DispatchTime.now().uptimeNanoseconds
            try communicator.allreduceSum(store.gradients)          // the one allreduce of the flat gradient buffer
            try communicator.allreduceSum(&loss)                    // and the batch's loss (8 bytes)
            allreduceSeconds = Double(DispatchTime.now().uptimeNanoseconds - ready) / 1e9
            waitSeconds = Double(ready - start) / 1e9
        }
        // Every rank sees the same summed loss and gradient, so all of them stop here together.
        guard loss[0].isFinite else {
            throw communicator.shared(LMConvError.diverged(step: step + 1,
                reason: "the loss is \(loss[0]) at step \(step + 1); the last checkpoint is kept"))
        }
        let norm = options.clipNorm.map { store.clipGradientNorm($0) } ?? store.gradientNorm()
        guard norm.isFinite else {
            throw communicator.shared(LMConvError.diverged(step: step + 1,
                reason: "the gradient norm is \(norm) at step \(step + 1); the last checkpoint is kept"))
        }
        adam.update(store)
        if let decay = options.emaDecay, ema != nil {
            for i in 0..<store.totalCount { ema![i] = decay * ema![i] + (1 - decay) * store.values[i] }
        }
        step += 1
        if batches.batchIndex == 0 { adam.learningRate *= options.learningRateDecay }   // an epoch just ended
        let dims = batch.count * cfg.channels * cfg.height * cfg.width
        return TrainingStepResult(loss: loss[0], bitsPerDimension: bitsPerDimension(nats: loss[0], dimensions: dims),
                                  batchSize: batch.count, orderIndex: orderIndex, allreduceSeconds: allreduceSeconds,
                                  waitSeconds: waitSeconds)
    }

    /// A model holding the EMA weights (or the current weights when no EMA is kept), for evaluation.
    public func evaluationModel() throws -> LocallyMaskedPixelCNN {
        guard let ema else { return model }
        let copy = try LocallyMaskedPixelCNN(configuration: model.configuration)
        for i in 0..<ema.count { copy.parameters.values[i] = ema[i] }
        return copy
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
                                  batches: batches.state, bestTestBPD: bestTestBPD)
        return Checkpoint(configuration: model.configuration, orders: orderSpecification, weights: model.namedWeights(),
                          emaWeights: ema.map(named), optimizerMoments: (named(adam.firstMoment), named(adam.secondMoment)),
                          training: state)
    }
}
