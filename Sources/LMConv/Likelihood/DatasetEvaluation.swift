import Foundation
import LMConvDistributed

/// The likelihood of a set of images under one order or an ensemble of orders.
public struct DatasetEvaluation: Sendable {
    /// Ensemble NLL per image, nats (over the region's pixels when a region is given).
    public var perImageNLL: [Double]
    /// NLL per image and order, (images, orders).
    public var perImagePerOrderNLL: [[Double]]
    /// Sub-pixels counted per image (C * pixels counted).
    public var dimensionsPerImage: Int
    /// The mean ensemble NLL per image, nats.
    public var meanNLL: Double { perImageNLL.reduce(0, +) / Double(max(1, perImageNLL.count)) }
    /// Bits per dimension of the ensemble.
    public var bitsPerDimension: Double { LMConv.bitsPerDimension(nats: meanNLL, dimensions: dimensionsPerImage) }
}

extension LocallyMaskedPixelCNN {
    /// Evaluates images of `data` in batches, at the data's size (orders made for that size), split between the
    /// ranks of `communicator` (each evaluates its ``Shard``; every rank gets every image's numbers, the same as one
    /// process computes).
    ///
    /// - Parameters:
    ///   - encoding: how pixels become network inputs (dynamic binarisation draws from `seed` and the image's index,
    ///     so an image's encoding does not depend on its batch or rank).
    ///   - region: only these pixels' NLL, given the rest. With ``ContextProtocol/reference`` every order must generate
    ///     the region last; with ``ContextProtocol/observed`` each is made to (``orderGeneratingLast(_:basedOn:)``).
    ///   - context: how the rest conditions the region.
    ///   - progress: called with the images done so far (on several ranks: this rank's share, scaled to all).
    public func evaluate(_ data: ImageDataset, orders: [GenerationOrder], encoding: PixelEncoding,
                         region: [Bool]? = nil, context: ContextProtocol = .reference, batchSize: Int = 32,
                         seed: UInt64 = 0, communicator: any Communicator = SingleProcessCommunicator(),
                         progress: ((Int) -> Void)? = nil) throws -> DatasetEvaluation {
        let cfg = configuration
        // Any image size: the network is convolutional; the orders (and so the masks) must be the images'.
        guard data.channels == cfg.channels else {
            throw LMConvError.shapeMismatch(reason: "images have \(data.channels) channels, the model \(cfg.channels)")
        }
        if let order = orders.first(where: { $0.height != data.height || $0.width != data.width }) {
            throw LMConvError.shapeMismatch(reason: "the order is \(order.height)x\(order.width), the images \(data.height)x\(data.width)")
        }
        let effectiveOrders = context == .observed
            ? try region.map { r in try orders.map { try orderGeneratingLast(r, basedOn: $0) } } ?? orders : orders
        // Masks once per order, not once per batch.
        let masks = try effectiveOrders.map { try evaluationMasks($0, region: region, context: context) }
        let perOrder = try shardedPerOrderNLL(data, orderCount: masks.count, encoding: encoding, batchSize: batchSize,
                                              seed: seed, communicator: communicator, progress: progress) { x in
            ensembleNegativeLogLikelihood(of: x, masks: masks, region: region).perOrder
        }
        let ensemble = ensembleNLL((0..<masks.count).map { k in perOrder.map { $0[k] } })
        let pixels = region.map { $0.filter { $0 }.count } ?? data.height * data.width
        return DatasetEvaluation(perImageNLL: ensemble, perImagePerOrderNLL: perOrder,
                                 dimensionsPerImage: pixels * cfg.channels)
    }
}

/// Every image's NLL under each of `orderCount` orders, (images, orders): the images of `data` encoded in batches
/// (dynamic binarisation from `seed` and the image's index), split between the ranks (each computes its ``Shard``
/// with `batchNLL`, which returns (orders, batch) NLLs), gathered so that every rank gets every image's numbers.
func shardedPerOrderNLL(_ data: ImageDataset, orderCount K: Int, encoding: PixelEncoding, batchSize: Int,
                        seed: UInt64, communicator: any Communicator, progress: ((Int) -> Void)?,
                        batchNLL: (Tensor) throws -> [[Double]]) throws -> [[Double]] {
    let shard = Shard(count: data.count, communicator: communicator)
    var local: [Double] = []                        // (shard images, K) per-order NLLs
    local.reserveCapacity(shard.range.count * K)
    var start = shard.range.lowerBound
    while start < shard.range.upperBound {
        let indices = Array(start..<min(start + batchSize, shard.range.upperBound))
        let x = Tensor(shape: [indices.count, data.channels, data.height, data.width],
                       scalars: data.networkInput(indices, encoding: encoding) {
                           Xoshiro256(seed: seed, purpose: .evaluationBinarization, step: 0, image: $0)
                       })
        let p = try batchNLL(x)
        for b in 0..<indices.count { local += p.map { $0[b] } }
        start += indices.count
        let done = start - shard.range.lowerBound
        progress?(min(data.count, done * data.count / max(1, shard.range.count)))
    }
    let all = try shard.gather(local, width: K, communicator: communicator)   // (images, K)
    return (0..<data.count).map { Array(all[($0 * K)..<(($0 + 1) * K)]) }
}
