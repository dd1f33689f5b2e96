import Foundation
import LMConvDistributed

/// The network a training run trains: the locally masked PixelCNN or the PixelCNN++ baseline. The ``Trainer`` and
/// ``TrainingRun`` see only this, so one training loop (batches, accumulation, clipping, Adam, EMA, checkpoints,
/// exact resume) serves both.
public protocol TrainableNetwork: AnyObject {
    /// The hyper-parameters; ``ModelConfiguration/network`` says which network it is (checkpoints record it).
    var configuration: ModelConfiguration { get }
    /// Every parameter and its gradient, in flat buffers.
    var parameters: ParameterStore { get }
    /// Whether the network follows generation orders given as masks; false: raster order only (PixelCNN++).
    var learnsOrders: Bool { get }
    /// One line for the tool's output.
    var summary: String { get }

    /// Forward and backward pass of one batch: returns the batch's summed NLL (nats) and, when it is finite, adds
    /// `lossScale` times its gradient to ``parameters``' gradients.
    ///
    /// - Parameters:
    ///   - x: images (B, C, H, W) in [-1, 1].
    ///   - masks: the order's masks, made for H x W (nil for a raster-only network).
    ///   - dropout: one generator per image.
    func accumulateGradient(_ x: Tensor, masks: OrderMasks?, lossScale: Float, dropout: inout DropoutGenerators)
        -> Double

    /// Every image's NLL under each order, (images, orders), split between the ranks. A raster-only network takes
    /// one order, raster_scan.
    func perOrderNLL(_ data: ImageDataset, orders: [GenerationOrder], encoding: PixelEncoding, batchSize: Int,
                     seed: UInt64, communicator: any Communicator, progress: ((Int) -> Void)?) throws -> [[Double]]

    /// `count` images (B, C, H, W) in [-1, 1] sampled in `order` (raster_scan for a raster-only network).
    func sampleImages(count: Int, order: GenerationOrder, rng: inout Xoshiro256) throws -> Tensor
}

extension TrainableNetwork {
    /// Every parameter as a named float tensor (the reference's names).
    public func namedWeights() -> [String: Tensor] { parameters.namedValues() }

    /// The ensemble likelihood of `data` (see ``perOrderNLL(_:orders:encoding:batchSize:seed:communicator:progress:)``).
    public func evaluateEnsemble(_ data: ImageDataset, orders: [GenerationOrder], encoding: PixelEncoding,
                                 batchSize: Int = 32, seed: UInt64 = 0,
                                 communicator: any Communicator = SingleProcessCommunicator(),
                                 progress: ((Int) -> Void)? = nil) throws -> DatasetEvaluation {
        let perOrder = try perOrderNLL(data, orders: orders, encoding: encoding, batchSize: batchSize, seed: seed,
                                       communicator: communicator, progress: progress)
        let K = perOrder.first?.count ?? orders.count
        return DatasetEvaluation(perImageNLL: ensembleNLL((0..<K).map { k in perOrder.map { $0[k] } }),
                                 perImagePerOrderNLL: perOrder,
                                 dimensionsPerImage: data.channels * data.height * data.width)
    }
}

/// A freshly initialised network of the configuration's kind, weights drawn from `seed`.
public func makeTrainableNetwork(configuration: ModelConfiguration, seed: UInt64 = 0) throws -> any TrainableNetwork {
    switch configuration.network {
    case .lmconv: return try LocallyMaskedPixelCNN(configuration: configuration, seed: seed)
    case .pixelCNNPlusPlus: return try PixelCNNPlusPlus(configuration: configuration, seed: seed)
    }
}

extension Checkpoint {
    /// A network of the checkpoint's kind holding its weights (or its EMA weights).
    public func makeNetwork(useEMA: Bool = false, source: String = "checkpoint") throws -> any TrainableNetwork {
        switch configuration.network {
        case .lmconv: return try makeModel(useEMA: useEMA, source: source)
        case .pixelCNNPlusPlus: return try makePixelCNNPlusPlus(useEMA: useEMA, source: source)
        }
    }
}

extension LocallyMaskedPixelCNN: TrainableNetwork {
    public var learnsOrders: Bool { true }
    public var summary: String { configuration.summary }

    public func accumulateGradient(_ x: Tensor, masks: OrderMasks?, lossScale: Float,
                                   dropout: inout DropoutGenerators) -> Double {
        guard let masks else { preconditionFailure("the locally masked network needs an order's masks") }
        let (output, cache) = forward(x, masks: masks, training: true, dropout: &dropout)
        return trainingLoss(output: output, target: x, configuration: configuration, lossScale: lossScale) {
            backward($0, cache: cache)
        }
    }

    public func perOrderNLL(_ data: ImageDataset, orders: [GenerationOrder], encoding: PixelEncoding, batchSize: Int,
                            seed: UInt64, communicator: any Communicator,
                            progress: ((Int) -> Void)?) throws -> [[Double]] {
        try evaluate(data, orders: orders, encoding: encoding, batchSize: batchSize, seed: seed,
                     communicator: communicator, progress: progress).perImagePerOrderNLL
    }

    public func sampleImages(count: Int, order: GenerationOrder, rng: inout Xoshiro256) throws -> Tensor {
        try sample(SamplingTask(order: order, count: count, configuration: configuration), rng: &rng)
    }
}

extension PixelCNNPlusPlus: TrainableNetwork {
    public var learnsOrders: Bool { false }
    public var summary: String {
        let c = configuration
        let kind = c.binarize ? "binarized" : "\(c.mixtures) logistics, \(c.nBits)-bit"
        return "PixelCNN++ \(kind) \(c.channels)x\(c.height)x\(c.width), F \(c.filters), R \(c.resnets)"
            + (c.dropout > 0 ? ", dropout \(c.dropout)" : "")
    }

    public func accumulateGradient(_ x: Tensor, masks: OrderMasks?, lossScale: Float,
                                   dropout: inout DropoutGenerators) -> Double {
        let (output, cache) = forward(x, training: configuration.dropout > 0, dropout: &dropout)
        return trainingLoss(output: output, target: x, configuration: configuration, lossScale: lossScale) {
            backward($0, cache: cache)
        }
    }

    public func perOrderNLL(_ data: ImageDataset, orders: [GenerationOrder], encoding: PixelEncoding, batchSize: Int,
                            seed: UInt64, communicator: any Communicator,
                            progress: ((Int) -> Void)?) throws -> [[Double]] {
        try configuration.checkChannels(data, dataSource: "the images", modelSource: "the PixelCNN++ baseline")
        return try shardedPerOrderNLL(data, orderCount: 1, encoding: encoding, batchSize: batchSize, seed: seed,
                                      communicator: communicator, progress: progress) { x in
            [negativeLogLikelihood(of: x)]
        }
    }

    public func sampleImages(count: Int, order: GenerationOrder, rng: inout Xoshiro256) throws -> Tensor {
        try sample(count: count, rng: &rng)
    }
}

/// `t` times `scale` (itself when the scale is 1, so the unscaled loss stays bit for bit what it was).
/// The summed NLL of `target` under the network's `output`; when it is finite, `backward` gets its gradient with
/// respect to the output times `lossScale` (a non-finite loss changes no gradient: the trainer refuses the step).
private func trainingLoss(output: Tensor, target: Tensor, configuration: ModelConfiguration, lossScale: Float,
                          backward: (Tensor) -> Void) -> Double {
    let evaluation = negativeLogLikelihood(output: output, target: target, configuration: configuration, wantGradient: true)
    if evaluation.total.isFinite { backward(scaled(evaluation.dOutput!, lossScale)) }
    return evaluation.total
}

private func scaled(_ t: Tensor, _ scale: Float) -> Tensor {
    guard scale != 1 else { return t }
    var out = t
    for i in 0..<out.count { out.scalars[i] *= scale }
    return out
}
