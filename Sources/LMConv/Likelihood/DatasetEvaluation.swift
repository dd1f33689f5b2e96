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
    /// Evaluates images of `data` in batches.
    ///
    /// - Parameters:
    ///   - encoding: how pixels become network inputs (dynamic binarisation draws from `seed`).
    ///   - region: only these pixels' NLL, each order then generating the region last (``orderGeneratingLast(_:basedOn:)``).
    ///   - progress: called with the images done so far.
    public func evaluate(_ data: ImageDataset, orders: [GenerationOrder], encoding: PixelEncoding,
                         region: [Bool]? = nil, batchSize: Int = 32, seed: UInt64 = 0,
                         progress: ((Int) -> Void)? = nil) throws -> DatasetEvaluation {
        let cfg = configuration
        guard data.channels == cfg.channels, data.height == cfg.height, data.width == cfg.width else {
            throw LMConvError.shapeMismatch(reason: "images are \(data.channels)x\(data.height)x\(data.width), the model is "
                + "\(cfg.channels)x\(cfg.height)x\(cfg.width)")
        }
        let effectiveOrders = try region.map { r in try orders.map { try orderGeneratingLast(r, basedOn: $0) } } ?? orders
        // Masks once per order, not once per batch.
        let masks = try effectiveOrders.map { try evaluationMasks($0, region: region) }
        var rng = Xoshiro256(seed: seed)
        var ensemble: [Double] = [], perOrder: [[Double]] = []
        var start = 0
        while start < data.count {
            let indices = Array(start..<min(start + batchSize, data.count))
            let x = Tensor(shape: [indices.count, cfg.channels, cfg.height, cfg.width],
                           scalars: data.networkInput(indices, encoding: encoding, rng: &rng))
            let (e, p) = ensembleNegativeLogLikelihood(of: x, masks: masks, region: region)
            ensemble += e
            for b in 0..<indices.count { perOrder.append(p.map { $0[b] }) }
            start += indices.count
            progress?(start)
        }
        let pixels = region.map { $0.filter { $0 }.count } ?? cfg.height * cfg.width
        return DatasetEvaluation(perImageNLL: ensemble, perImagePerOrderNLL: perOrder,
                                 dimensionsPerImage: pixels * cfg.channels)
    }
}
