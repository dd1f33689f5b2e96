import Foundation

// Scoring images for anomaly and out-of-distribution detection with a Locally Masked PixelCNN: per image the
// ensemble NLL, the input-complexity, likelihood-ratio and generic-ratio corrections and the spread of the orders'
// NLLs; per pixel −log p(x_i | context) averaged over the orders.
// Legend: B batch, C channels, HW = H*W pixels, K orders, D = C*HW sub-pixels per image.

/// A model (with the orders it is evaluated under) that scores images for anomalies, optionally with a background
/// model for the likelihood ratio and a model of generic images for the generic ratio.
public struct AnomalyDetector {
    /// A model and the orders it scores under.
    public struct ScoringModel {
        public var model: LocallyMaskedPixelCNN
        public var orders: OrderSpecification
        /// Use the first `orderCount` orders of the specification's list (nil: all).
        public var orderCount: Int?

        public init(model: LocallyMaskedPixelCNN, orders: OrderSpecification, orderCount: Int? = nil) {
            self.model = model
            self.orders = orders
            self.orderCount = orderCount
        }

        /// The orders for images of this size and their names.
        public func orders(height: Int, width: Int) throws -> (orders: [GenerationOrder], names: [String]) {
            let all = try orders.orders(height: height, width: width), names = orders.orderNames
            let k = orderCount ?? all.count
            guard (1...all.count).contains(k) else {
                throw LMConvError.invalidArgument(reason: "\(k) orders asked for; the model has \(all.count) (\(names.joined(separator: ", ")))")
            }
            return (Array(all.prefix(k)), Array(names.prefix(k)))
        }
    }

    public var main: ScoringModel
    /// The background model of the likelihood ratio (trained on perturbed images), if any.
    public var background: ScoringModel?
    /// The model of generic images of the generic ratio (trained on other images than the main model's), if any.
    public var generic: ScoringModel?
    /// How pixels become network input; both models see the same encoded images (one draw per image when dynamic).
    public var encoding: PixelEncoding
    /// Images per batch.
    public var batchSize = 32
    /// Seed of dynamic binarisation (image i draws from (seed, i) alone, as in ``LocallyMaskedPixelCNN/evaluate``).
    public var seed: UInt64 = 0
    /// The compressor of the complexity score (by default the one recommended for the encoding's images).
    public var compressor: ComplexityCompressor
    /// Whether to keep every image's pixel maps (H*W doubles per image and model) and encoded pixels.
    public var keepPixelMaps = true

    /// A detector; throws when the background or the generic model does not take the main model's images or
    /// encoding.
    public init(main: ScoringModel, background: ScoringModel? = nil, generic: ScoringModel? = nil,
                encoding: PixelEncoding) throws {
        for (role, second) in [("background", background), ("generic", generic)] {
            guard let second else { continue }
            let a = main.model.configuration, b = second.model.configuration
            guard a.channels == b.channels else {
                throw LMConvError.shapeMismatch(reason: "the \(role) model takes \(b.channels) channels, the model \(a.channels)")
            }
            guard a.binarize == b.binarize, a.binarize || a.nBits == b.nBits else {
                throw LMConvError.invalidConfiguration(reason: "the \(role) model is \(b.binarize ? "binarized" : "\(b.nBits)-bit"), the model "
                    + "\(a.binarize ? "binarized" : "\(a.nBits)-bit"): a ratio of likelihoods needs both to score the same pixels")
            }
        }
        guard encoding.isBinary == main.model.configuration.binarize else {
            throw LMConvError.invalidConfiguration(reason: "a \(encoding.isBinary ? "binary" : "multi-level") encoding does not fit a "
                + "\(main.model.configuration.binarize ? "binarized" : "mixture") model")
        }
        self.main = main
        self.background = background
        self.generic = generic
        self.encoding = encoding
        self.compressor = .recommended(forBinaryImages: encoding.isBinary)
    }

    /// Scores every image of `data` (any size; the orders are made for it). `progress` gets the images done so far.
    public func score(_ data: ImageDataset, progress: ((Int) -> Void)? = nil) throws -> AnomalyReport {
        let cfg = main.model.configuration
        guard data.channels == cfg.channels else {
            throw LMConvError.shapeMismatch(reason: "images have \(data.channels) channels, the model \(cfg.channels)")
        }
        guard batchSize >= 1 else { throw LMConvError.invalidArgument(reason: "batch size must be >= 1, got \(batchSize)") }
        let (H, W, C) = (data.height, data.width, data.channels), HW = H * W, D = C * HW
        let (mainOrders, mainNames) = try main.orders(height: H, width: W)
        let mainMasks = try mainOrders.map { try main.model.masks(for: $0) }
        let setUp = { (second: ScoringModel) throws -> (ScoringModel, [OrderMasks], [String]) in
            let (orders, names) = try second.orders(height: H, width: W)
            return (second, try orders.map { try second.model.masks(for: $0) }, names)
        }
        let backgroundSetup = try background.map(setUp), genericSetup = try generic.map(setUp)
        let bitDepth = encoding.bits
        var images: [ImageAnomalyScores] = []
        images.reserveCapacity(data.count)
        var start = 0
        while start < data.count {
            let indices = Array(start..<min(start + batchSize, data.count)), B = indices.count
            // (B, C, H, W); each image binarised (when dynamic) from its own generator, as `evaluate` does.
            let scalars = data.networkInput(indices, encoding: encoding) {
                Xoshiro256(seed: seed, purpose: .evaluationBinarization, step: 0, image: $0)
            }
            let x = Tensor(shape: [B, C, H, W], scalars: scalars)
            let scored = Self.evaluate(main.model, masks: mainMasks, x: x, dimensions: D)
            let backgroundScored = backgroundSetup.map { Self.evaluate($0.0.model, masks: $0.1, x: x, dimensions: D) }
            let genericScored = genericSetup.map { Self.evaluate($0.0.model, masks: $0.1, x: x, dimensions: D) }
            let levels = ComplexityCompressor.levels(ofNetworkValues: scalars, bitDepth: bitDepth)
            for b in 0..<B {
                let perOrder = scored.perOrderBPD.map { $0[b] }
                let mean = perOrder.reduce(0, +) / Double(perOrder.count)
                let spread = (perOrder.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(perOrder.count)).squareRoot()
                let bits = compressor.codeLengthBits(levels: levels[(b * D)..<((b + 1) * D)], channels: C, height: H,
                                                     width: W, bitDepth: bitDepth)
                let nll = scored.ensembleBPD[b]
                let backgroundNLL = backgroundScored?.ensembleBPD[b], genericNLL = genericScored?.ensembleBPD[b]
                images.append(ImageAnomalyScores(
                    index: indices[b], levels: keepPixelMaps ? Array(levels[(b * D)..<((b + 1) * D)]) : [], nll: nll, perOrderNLL: perOrder, codeLengthBits: bits,
                    complexity: nll - bits / Double(D), backgroundNLL: backgroundNLL,
                    likelihoodRatio: backgroundNLL.map { nll - $0 }, genericNLL: genericNLL,
                    genericRatio: genericNLL.map { nll - $0 }, orderSpread: spread,
                    pixelMap: keepPixelMaps ? Array(scored.pixelMapBits[(b * HW)..<((b + 1) * HW)]) : [],
                    backgroundPixelMap: backgroundScored.map {
                        keepPixelMaps ? Array($0.pixelMapBits[(b * HW)..<((b + 1) * HW)]) : []
                    },
                    genericPixelMap: genericScored.map {
                        keepPixelMaps ? Array($0.pixelMapBits[(b * HW)..<((b + 1) * HW)]) : []
                    }))
            }
            start += B
            progress?(start)
        }
        return AnomalyReport(images: images, orderNames: mainNames, backgroundOrderNames: backgroundSetup?.2 ?? [],
                             genericOrderNames: genericSetup?.2 ?? [], dimensions: D, height: H, width: W)
    }

    /// One model's scores of a batch x (B, C, H, W): per-order and ensemble bits per dimension, and the per-pixel
    /// NLL in bits averaged over the orders, (B, HW).
    static func evaluate(_ model: LocallyMaskedPixelCNN, masks: [OrderMasks], x: Tensor, dimensions D: Int)
        -> (perOrderBPD: [[Double]], ensembleBPD: [Double], pixelMapBits: [Double])
    {
        let B = x.shape[0], HW = x.shape[2] * x.shape[3]
        var perOrderNats: [[Double]] = []                   // (K, B)
        var pixelMap = [Double](repeating: 0, count: B * HW)
        let scale = 1 / (Double(masks.count) * log(2.0))
        for m in masks {
            let pixels = model.pixelNegativeLogLikelihoods(of: x, masks: m)   // (B, HW) nats
            perOrderNats.append((0..<B).map { b in pixels[(b * HW)..<((b + 1) * HW)].reduce(0, +) })
            for i in 0..<(B * HW) { pixelMap[i] += pixels[i] * scale }
        }
        let toBPD = 1 / (Double(D) * log(2.0))
        return (perOrderNats.map { $0.map { $0 * toBPD } }, ensembleNLL(perOrderNats).map { $0 * toBPD }, pixelMap)
    }
}

extension AnomalyReport {
    /// Pixel-level detection: every pixel of every image is a sample, positive where `anomalous` (H*W flags per
    /// image, in the report's order) is set, scored by its value in the image's `map` (by default its pixel map; e.g.
    /// `{ $0.genericRatioPixelMap ?? [] }`).
    public func pixelMetrics(anomalous: [[Bool]], map: (ImageAnomalyScores) -> [Double] = { $0.pixelMap }) throws
        -> DetectionMetrics
    {
        guard anomalous.count == images.count else {
            throw LMConvError.shapeMismatch(reason: "\(anomalous.count) pixel masks for \(images.count) images")
        }
        var positives: [Double] = [], negatives: [Double] = []
        for (image, mask) in zip(images, anomalous) {
            let values = map(image)
            guard values.count == mask.count else {
                throw LMConvError.shapeMismatch(reason: "image \(image.index): a pixel map of \(values.count) values for a mask of \(mask.count)")
            }
            for (v, isAnomalous) in zip(values, mask) {
                if isAnomalous { positives.append(v) } else { negatives.append(v) }
            }
        }
        return try DetectionMetrics(positives: positives, negatives: negatives)
    }

    /// Image-level detection of `score`: this report's images as negatives, `anomalies`' as positives.
    public func metrics(_ score: AnomalyScore, against anomalies: AnomalyReport) throws -> DetectionMetrics {
        try DetectionMetrics(positives: anomalies.values(score), negatives: values(score))
    }
}
