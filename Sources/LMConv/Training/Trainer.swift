import Foundation

/// Trains a Locally Masked PixelCNN as the reference does: Adam on the summed NLL of each batch, one order drawn
/// uniformly from the variant list per batch, learning-rate decay per epoch, optional clipping and EMA.
public final class Trainer {
    public let model: LocallyMaskedPixelCNN
    public let orderSpecification: OrderSpecification
    public let orders: [GenerationOrder]
    public let options: TrainingOptions
    public let data: ImageDataset
    let masks: [OrderMasks]
    var adam: AdamOptimizer
    var ema: [Float]?                 // (parameter count)
    var rng: Xoshiro256
    var batches: BatchIterator
    public private(set) var step: Int = 0
    public var bestTestBPD: Double?

    /// The pixel encoding of training data: dynamic binarisation for binarized models, else n_bits quantisation.
    public var encoding: PixelEncoding { model.configuration.inputEncoding() }

    /// A new run.
    public init(model: LocallyMaskedPixelCNN, orders: OrderSpecification, data: ImageDataset,
                options: TrainingOptions) throws {
        let cfg = model.configuration
        guard data.channels == cfg.channels, data.height == cfg.height, data.width == cfg.width else {
            throw LMConvError.shapeMismatch(reason: "training images are \(data.channels)x\(data.height)x\(data.width), the model is "
                + "\(cfg.channels)x\(cfg.height)x\(cfg.width)")
        }
        guard data.count > 0 else { throw LMConvError.invalidArgument(reason: "the training data holds no images") }
        self.model = model
        self.orderSpecification = orders
        self.orders = try orders.orders(height: cfg.height, width: cfg.width)
        self.masks = try self.orders.map { try OrderMasks(order: $0, kernelSize: cfg.kernelSize, maxDilation: cfg.maxDilation) }
        self.options = options
        self.data = data
        adam = AdamOptimizer(parameterCount: model.parameters.totalCount, learningRate: options.learningRate)
        if options.emaDecay != nil { ema = Array(model.parameters.values) }
        rng = Xoshiro256(seed: options.seed &+ 0x5EED)
        batches = try BatchIterator(count: data.count, batchSize: min(options.batchSize, data.count), seed: options.seed)
    }

    /// Continues a run from a checkpoint written by ``checkpoint()``, exactly where it stopped.
    public convenience init(resuming checkpoint: Checkpoint, data: ImageDataset, source: String) throws {
        guard let state = checkpoint.training, let moments = checkpoint.optimizerMoments else {
            throw LMConvError.invalidArgument(source: source,
                                              reason: "not a training checkpoint (no optimizer or training state); cannot resume")
        }
        let model = try checkpoint.makeModel(source: source)
        try self.init(model: model, orders: checkpoint.orders, data: data, options: state.options)
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
        rng = Xoshiro256(state: state.rng)
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
    @discardableResult
    public func trainStep() throws -> TrainingStepResult {
        let cfg = model.configuration
        let indices = batches.next()
        let orderIndex = Int(rng.next() % UInt64(orders.count))
        let x = Tensor(shape: [indices.count, cfg.channels, cfg.height, cfg.width],
                       scalars: data.networkInput(indices, encoding: encoding, rng: &rng))
        let (output, cache) = model.forward(x, masks: masks[orderIndex], training: true, rng: &rng)
        let evaluation = negativeLogLikelihood(output: output, target: x, configuration: cfg, wantGradient: true)
        let loss = evaluation.total
        guard loss.isFinite else {
            throw LMConvError.diverged(step: step + 1,
                                       reason: "the loss is \(loss) at step \(step + 1); the last checkpoint is kept")
        }
        let store = model.parameters
        store.zeroGradients()
        model.backward(evaluation.dOutput!, cache: cache)
        let norm = options.clipNorm.map { store.clipGradientNorm($0) } ?? store.gradientNorm()
        guard norm.isFinite else {
            throw LMConvError.diverged(step: step + 1,
                                       reason: "the gradient norm is \(norm) at step \(step + 1); the last checkpoint is kept")
        }
        adam.update(store)
        if let decay = options.emaDecay, ema != nil {
            for i in 0..<store.totalCount { ema![i] = decay * ema![i] + (1 - decay) * store.values[i] }
        }
        step += 1
        if batches.batchIndex == 0 { adam.learningRate *= options.learningRateDecay }   // an epoch just ended
        let dims = indices.count * cfg.channels * cfg.height * cfg.width
        return TrainingStepResult(loss: loss, bitsPerDimension: bitsPerDimension(nats: loss, dimensions: dims),
                                  batchSize: indices.count, orderIndex: orderIndex)
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
                                  batches: batches.state, rng: rng.stateWords, bestTestBPD: bestTestBPD)
        return Checkpoint(configuration: model.configuration, orders: orderSpecification, weights: model.namedWeights(),
                          emaWeights: ema.map(named), optimizerMoments: (named(adam.firstMoment), named(adam.secondMoment)),
                          training: state)
    }
}
