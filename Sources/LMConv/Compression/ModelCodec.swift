// Lossless image compression with a Locally Masked PixelCNN: what `lmconv compress` and `decompress` run. The
// autoregressive session (in its portable arithmetic) gives each sub-pixel's distribution in a generation order;
// one rANS stream per group of images (LMCFile.groupSize of one order) codes the levels under them. Images go
// through the network in batches (one session per batch and order), which is only possible because the portable
// arithmetic gives every image the same bits alone or in any batch. Legend: B images in a batch, C channels, H rows, W columns, HW = H*W.

/// Compresses and decompresses images with one model; see docs/FORMAT.md for the file and its guarantees.
public struct ModelCodec {
    /// The version of the codec's computation the fingerprint covers (bump it when the arithmetic changes).
    public static let computationVersion = 1

    public let model: LocallyMaskedPixelCNN
    /// The orders an image may be coded in: the checkpoint's (``OrderSpecification/orders(height:width:)``).
    public let orders: OrderSpecification
    /// SHA-256 of the configuration, the weights and the order list: what a .lmc file records.
    public let fingerprint: ModelFingerprint
    /// Images per network batch (a speed setting only: the coded bytes do not depend on it). Decoding rounds it up
    /// to whole groups of ``imagesPerStream``.
    public var batchSize: Int
    /// Images coded together in one rANS stream (``LMCFile/groupSize``): more share one stream's 4 to 8 bytes of
    /// final state and its length field, fewer let a decoder stop sooner. Changes the coded bytes, not their count
    /// of information.
    public var imagesPerStream = 64

    /// A codec over `model`'s current weights and the orders of its checkpoint.
    public init(model: LocallyMaskedPixelCNN, orders: OrderSpecification, batchSize: Int = 16) throws {
        precondition(batchSize >= 1)
        self.model = model
        self.orders = orders
        self.batchSize = batchSize
        fingerprint = try ModelFingerprint(model: model, context: Self.fingerprintContext(orders))
    }

    /// What besides the weights encoder and decoder must share: the computation's version and the order list.
    static func fingerprintContext(_ orders: OrderSpecification) -> String {
        "lmconv-codec \(computationVersion); arithmetic portable; orders \(orders.orderNames.joined(separator: ","))"
            + "; transpose \(orders.baseTranspose) reflect-rows \(orders.baseReflectRows) reflect-cols \(orders.baseReflectCols)"
    }

    /// What a sub-pixel of this model is.
    public var pixelKind: LMCFile.PixelKind {
        model.configuration.binarize ? .binary : .levels(bits: model.configuration.nBits)
    }

    /// The number of orders an image can be coded in.
    public var orderCount: Int { orders.names.count * orders.variants }

    // MARK: - Pixels and levels

    /// The model's levels of 8-bit pixel values (C, H, W): the value itself for an 8-bit model, 0/1 for 0/255 for a
    /// binary one, level l for the value round(l * 255 / (2^n - 1)) of an n-bit model. Throws for a value the model
    /// cannot represent exactly (which would not round-trip); `source` names the image.
    public func levels(ofPixels pixels: ArraySlice<UInt8>, source: String) throws -> [Int] {
        let cfg = model.configuration
        if cfg.binarize {
            return try pixels.map { v in
                guard v == 0 || v == 255 else {
                    throw LMConvError.invalidArgument(source: source, reason: "pixel value \(v): a binary model codes only 0 and 255 (use an 8-bit model)")
                }
                return v == 255 ? 1 : 0
            }
        }
        if cfg.nBits == 8 { return pixels.map(Int.init) }
        let top = (1 << cfg.nBits) - 1
        return try pixels.map { v in
            let level = Int((Double(v) * Double(top) / 255).rounded())
            guard Self.pixel(ofLevel: level, top: top) == v else {
                throw LMConvError.invalidArgument(source: source, reason: "pixel value \(v) is not one of the \(top + 1) levels of a \(cfg.nBits)-bit model (use an 8-bit model)")
            }
            return level
        }
    }

    /// The 8-bit pixel values of levels (the inverse of ``levels(ofPixels:source:)``).
    public func pixels(ofLevels levels: [Int]) -> [UInt8] {
        let cfg = model.configuration
        if cfg.binarize { return levels.map { $0 == 1 ? 255 : 0 } }
        if cfg.nBits == 8 { return levels.map { UInt8($0) } }
        let top = (1 << cfg.nBits) - 1
        return levels.map { Self.pixel(ofLevel: $0, top: top) }
    }

    private static func pixel(ofLevel level: Int, top: Int) -> UInt8 {
        UInt8((Double(level) * 255 / Double(top)).rounded())
    }

    // MARK: - The coding loop

    /// Runs the model over `count` images of H x W in `order`, sub-pixel by sub-pixel; `code(image, position,
    /// table)` codes or decodes sub-pixel `position` ((C, H, W) layout) of an image under its frequencies and returns
    /// its level. Images are batched `batchSize` at a time (default ``batchSize``); each batch is one session in the
    /// portable arithmetic. Within a step, `code` is called for the batch's images in index order.
    /// The frequency tables of a step's images are computed in parallel (each image's alone, so the thread count
    /// cannot change them); the coding itself is serial and cheap.
    func run(count: Int, height H: Int, width W: Int, order: GenerationOrder, batchSize: Int? = nil,
             code: (_ image: Int, _ position: Int, _ table: FrequencyTable) throws -> Int) throws {
        let cfg = model.configuration, C = cfg.channels, HW = H * W
        let batchSize = batchSize ?? self.batchSize
        var first = 0
        while first < count {
            let B = min(batchSize, count - first)
            let session = try AutoregressiveSession(model: model, images: Tensor(shape: [B, C, H, W]), observed: nil,
                                                    order: order, arithmetic: .portable)
            var earlier = [[Int]](repeating: [], count: B)
            var tables = [FrequencyTable?](repeating: nil, count: B)
            while let q = session.nextPixel {
                let parameters = try session.outputParameters()          // (B, OC), once per pixel
                for c in 0..<C {
                    tables.withUnsafeMutableBufferPointer { tables in
                        parallelFor(B, minimumChunk: 1) { images in
                            for b in images {
                                tables[b] = CodecDistribution(parameters: parameters[b], configuration: cfg, channel: c,
                                                              earlierLevels: earlier[b]).frequencyTable()
                            }
                        }
                    }
                    var levels = [Int](repeating: 0, count: B)
                    for b in 0..<B {
                        levels[b] = try code(first + b, c * HW + q, tables[b]!)
                        earlier[b].append(levels[b])
                    }
                    try session.accept(levels: levels)
                }
                for b in 0..<B { earlier[b].removeAll(keepingCapacity: true) }
            }
            first += B
        }
    }
}
