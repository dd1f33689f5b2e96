import Foundation

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
    /// Evaluates images of `data` in batches, at the data's size (orders made for that size).
    ///
    /// - Parameters:
    ///   - encoding: how pixels become network inputs (dynamic binarisation draws from `seed`).
    ///   - region: only these pixels' NLL, given the rest. With ``ContextProtocol/reference`` every order must generate
    ///     the region last; with ``ContextProtocol/observed`` each is made to (``orderGeneratingLast(_:basedOn:)``).
    ///   - context: how the rest conditions the region.
    ///   - progress: called with the images done so far.
    public func evaluate(_ data: ImageDataset, orders: [GenerationOrder], encoding: PixelEncoding,
                         region: [Bool]? = nil, context: ContextProtocol = .reference, batchSize: Int = 32,
                         seed: UInt64 = 0,
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
        var rng = Xoshiro256(seed: seed)
        var ensemble: [Double] = [], perOrder: [[Double]] = []
        var start = 0
        while start < data.count {
            let indices = Array(start..<min(start + batchSize, data.count))
            let x = Tensor(shape: [indices.count, cfg.channels, data.height, data.width],
                           scalars: data.networkInput(indices, encoding: encoding, rng: &rng))
            let (e, p) = ensembleNegativeLogLikelihood(of: x, masks: masks, region: region)
            ensemble += e
            for b in 0..<indices.count { perOrder.append(p.map { $0[b] }) }
            start += indices.count
            progress?(start)
        }
        let pixels = region.map { $0.filter { $0 }.count } ?? data.height * data.width
        return DatasetEvaluation(perImageNLL: ensemble, perImagePerOrderNLL: perOrder,
                                 dimensionsPerImage: pixels * cfg.channels)
    }
}
