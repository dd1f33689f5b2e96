import Foundation
import LMConvDistributed

/// Trains a network (``TrainableNetwork``: the locally masked PixelCNN or the PixelCNN++ baseline) as the
/// reference does: Adam on the summed NLL of each batch, one order drawn uniformly from the variant list (or the
/// chosen ``TrainingOptions/orderIndices``) per batch, learning-rate decay per epoch, optional clipping, weight decay,
/// gradient accumulation, multi-resolution batches and EMA.
///
/// Data parallel over a ``Communicator``: every rank holds the same model and takes the same global batch; each
/// works on its share of the images (``Shard``), and one allreduce of the flat gradient buffer per step gives every
/// rank the whole batch's gradient. Every random number is drawn per image from (seed, step, image index), so any
/// number of ranks follows one process's trajectory, up to the order of float summation.
public final class Trainer {
    public let model: any TrainableNetwork
    public let orderSpecification: OrderSpecification
    /// The orders at the training data's size (raster_scan alone for a raster-only network).
    public let orders: [GenerationOrder]
    public let options: TrainingOptions
    public let data: ImageDataset
    /// The indices into ``orders`` that training draws from (``TrainingOptions/orderIndices`` or all).
    public let activeOrderIndices: [Int]
    /// The sizes batches are drawn at (the data's own unless ``TrainingOptions/resizeSizes``).
    public let sizes: [ImageSize]
    let masks: [ImageSize: [OrderMasks]]       // per size, per order (empty for a raster-only network)
    let resized: [ImageSize: ImageDataset]     // the training data at each size other than its own
    var adam: AdamOptimizer
    var ema: [Float]?                 // (parameter count)
    var batches: BatchIterator
    /// The ranks that train together (a single process by default).
    public let communicator: any Communicator
    public internal(set) var step: Int = 0
    public var bestTestBPD: Double?

    /// The pixel encoding of training data: dynamic binarisation for binarized models, else n_bits quantisation.
    public var encoding: PixelEncoding { model.configuration.inputEncoding() }
    /// The training data's own size.
    public var dataSize: ImageSize { ImageSize(height: data.height, width: data.width) }

    /// A new run. Under a communicator of several ranks, every rank must pass the same model, orders, data and
    /// options (checked where cheap).
    public init(model: any TrainableNetwork, orders: OrderSpecification, data: ImageDataset,
                options: TrainingOptions, communicator: any Communicator = SingleProcessCommunicator()) throws {
        let cfg = model.configuration
        guard data.channels == cfg.channels else {
            throw LMConvError.shapeMismatch(reason: "training images have \(data.channels) channels, the model \(cfg.channels)")
        }
        guard data.count > 0 else { throw LMConvError.invalidArgument(reason: "the training data holds no images") }
        let own = ImageSize(height: data.height, width: data.width)
        sizes = options.resizeSizes ?? [own]
        if !model.learnsOrders {
            try Self.checkRasterOnly(orders: orders, options: options)
        }
        self.orders = model.learnsOrders ? try orders.orders(height: data.height, width: data.width)
                                         : [try GenerationOrder(named: "raster_scan", height: data.height, width: data.width)]
        try options.validate(orderCount: self.orders.count)
        var masks: [ImageSize: [OrderMasks]] = [:], resized: [ImageSize: ImageDataset] = [:]
        for size in sizes where masks[size] == nil {
            if model.learnsOrders {
                let sized: [GenerationOrder]
                do { sized = try orders.orders(height: size.height, width: size.width) } catch let error as LMConvError {
                    throw LMConvError.invalidOption(name: "--resize-sizes", value: "\(size)", reason: error.message)
                }
                masks[size] = try sized.map { try OrderMasks(order: $0, kernelSize: cfg.kernelSize, maxDilation: cfg.maxDilation) }
            } else {
                masks[size] = []
            }
            if size != own {
                resized[size] = data.resized(to: size, method: options.resizeMethod
                                             ?? (size.height * size.width < own.height * own.width ? .area : .bilinear))
            }
        }
        self.masks = masks
        self.resized = resized
        self.model = model
        self.orderSpecification = orders
        self.activeOrderIndices = options.orderIndices ?? Array(self.orders.indices)
        self.options = options
        self.data = data
        adam = AdamOptimizer(parameterCount: model.parameters.totalCount, learningRate: options.learningRate)
        adam.weightDecay = options.weightDecay
        if options.emaDecay != nil { ema = Array(model.parameters.values) }
        self.communicator = communicator
        batches = try BatchIterator(count: data.count, batchSize: min(options.batchSize, data.count), seed: options.seed)
    }

    /// A raster-only network trains on raster_scan, with no option that needs orders.
    static func checkRasterOnly(orders: OrderSpecification, options: TrainingOptions) throws {
        let why = "the PixelCNN++ baseline generates in raster order only"
        guard orders.names == ["raster_scan"], orders.variants == 1, !orders.baseTranspose, !orders.baseReflectRows,
              !orders.baseReflectCols else {
            throw LMConvError.invalidOption(name: "--order", value: orders.names.joined(separator: " "),
                                            reason: "\(why) (raster_scan, 1 variant)")
        }
        if let indices = options.orderIndices, indices != [0] {
            throw LMConvError.invalidOption(name: "--order-indices", reason: why)
        }
    }

    /// The current learning rate.
    public var learningRate: Float { adam.learningRate }
    /// The current epoch (complete passes over the data).
    public var epoch: Int { batches.epoch }
    /// Batches per epoch.
    public var batchesPerEpoch: Int { batches.batchesPerEpoch }
    /// Optimizer steps per epoch (rounded up: with accumulation a step may span two epochs).
    public var stepsPerEpoch: Int { (batchesPerEpoch + options.accumulate - 1) / options.accumulate }
    /// Adam's update count (its bias correction), which a fine-tuned run continues from its checkpoint.
    public var optimizerStep: Int { adam.step }

    /// The size of batch `batchNumber` (counted over the whole run, ``TrainingOptions/accumulate`` per step).
    func batchSize(_ batchNumber: Int) -> ImageSize {
        guard sizes.count > 1 else { return sizes[0] }
        var rng = Xoshiro256(seed: options.seed, purpose: .resolution, step: batchNumber, image: 0)
        let u = Double(rng.next() >> 11) * 0x1p-53
        let p = options.resizeProbabilities ?? Array(repeating: 1 / Double(sizes.count), count: sizes.count)
        var cumulative = 0.0
        for (i, pi) in p.enumerated() {
            cumulative += pi
            if u < cumulative { return sizes[i] }
        }
        return sizes[p.lastIndex(where: { $0 > 0 }) ?? sizes.count - 1]
    }

    /// One optimizer step on the next ``TrainingOptions/accumulate`` batches. A non-finite loss or gradient throws
    /// before any weight changes. Under several ranks every rank must call it together; each returns the whole
    /// step's result.
    @discardableResult
    public func trainStep() throws -> TrainingStepResult {
        let cfg = model.configuration, seed = options.seed, stepIndex = step
        let store = model.parameters
        store.zeroGradients()
        var loss = [0.0]
        var images = 0, dimensions = 0, epochsEnded = 0, firstOrder = 0
        for k in 0..<options.accumulate {
            let batchNumber = stepIndex * options.accumulate + k
            let batch = batches.next()                               // the global batch, the same on every rank
            if batches.batchIndex == 0 { epochsEnded += 1 }
            let orderIndex = activeOrderIndices[stepOrderIndex(seed: seed, step: batchNumber, count: activeOrderIndices.count)]
            if k == 0 { firstOrder = orderIndex }
            let size = batchSize(batchNumber), source = resized[size] ?? data
            let indices = Array(batch[Shard(count: batch.count, communicator: communicator).range])
            let perImage = cfg.channels * size.height * size.width
            images += batch.count
            dimensions += batch.count * perImage
            guard !indices.isEmpty else { continue }                 // a rank may get no image of a small batch
            let x = Tensor(shape: [indices.count, cfg.channels, size.height, size.width],
                           scalars: source.networkInput(indices, encoding: encoding, perturbRate: options.perturbRate) {
                               Xoshiro256(seed: seed, purpose: .binarization, step: stepIndex, image: $0)
                           })
            var dropout = DropoutGenerators(perImage: indices.map {
                Xoshiro256(seed: seed, purpose: .dropout, step: stepIndex, image: $0)
            })
            // --minimize-bpd: the reference divides by its nominal batch size, whatever the batch holds.
            let scale = options.minimizeBPD ? Float(1 / (Double(options.batchSize * perImage) * log(2.0))) : 1
            let batchMasks = model.learnsOrders ? masks[size]![orderIndex] : nil
            loss[0] += model.accumulateGradient(x, masks: batchMasks, lossScale: scale, dropout: &dropout)
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
        for _ in 0..<epochsEnded { adam.learningRate *= options.learningRateDecay }
        return TrainingStepResult(loss: loss[0], bitsPerDimension: bitsPerDimension(nats: loss[0], dimensions: dimensions),
                                  batchSize: images, orderIndex: firstOrder, allreduceSeconds: allreduceSeconds,
                                  waitSeconds: waitSeconds, dimensions: dimensions)
    }

    /// A network holding the EMA weights (or the network itself when no EMA is kept), for evaluation.
    public func evaluationModel() throws -> any TrainableNetwork {
        guard let ema else { return model }
        let copy = try makeTrainableNetwork(configuration: model.configuration)
        for i in 0..<ema.count { copy.parameters.values[i] = ema[i] }
        return copy
    }
}
