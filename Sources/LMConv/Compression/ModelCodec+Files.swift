import Foundation

// Compressing a set of images into an LMCFile and back: the order choice per image (`--orders K`), the pixel CRCs,
// and the accounting that `lmconv compress` reports.

/// What compressing cost, image by image.
public struct CompressionReport: Sendable {
    /// Per image: the chosen order's index and the coded bytes of every order tried (in the order list's order).
    public var chosenOrder: [Int]
    public var bytesPerOrder: [[Int]]
    /// The information content of the images under the chosen orders, in bits (Σ −log2 of each level's quantized
    /// frequency / 2^24): what an ideal coder would spend.
    public var informationBits: Double
    /// Sub-pixels coded (N * C * H * W).
    public var subPixels: Int
    /// The whole file's size in bytes.
    public var fileBytes: Int

    /// Bytes of coded data (every image's stream, without the header).
    public var codedBytes: Int { zip(chosenOrder, bytesPerOrder).reduce(0) { $0 + $1.1[$1.0] } }
}

extension ModelCodec {
    /// Compresses `images`, trying the first `ordersToTry` of the model's orders for each image and keeping the
    /// shortest. `progress(done, total)` is called after each batch and order.
    public func compress(_ images: CodecImages, ordersToTry: Int = 1, source: String = "input",
                         progress: ((Int, Int) -> Void)? = nil) throws -> (LMCFile, CompressionReport) {
        let cfg = model.configuration
        guard images.channels == cfg.channels else {
            throw LMConvError.shapeMismatch(source: source, reason: "\(images.channels)-channel images, but the model codes \(cfg.channels) channel\(cfg.channels == 1 ? "" : "s")")
        }
        guard (1...orderCount).contains(ordersToTry) else {
            throw LMConvError.invalidOption(name: "--orders", value: "\(ordersToTry)", reason: "the model has \(orderCount) orders")
        }
        let (N, H, W) = (images.count, images.height, images.width)
        let levels = try (0..<N).map { i in
            try self.levels(ofPixels: images.image(i), source: images.name(i).map { "\(source): \($0)" } ?? "\(source): image \(i)")
        }
        let candidates = try orders.orders(height: H, width: W)
        var best = [(order: Int, data: [UInt8], bits: Double)?](repeating: nil, count: N)
        var bytesPerOrder = [[Int]](repeating: [], count: N)
        for k in 0..<ordersToTry {
            var encoders = [RANSEncoder](repeating: RANSEncoder(reservingCapacity: images.imageSize), count: N)
            var bits = [Double](repeating: 0, count: N)
            try run(count: N, height: H, width: W, order: candidates[k]) { i, position, table in
                let level = levels[i][position]
                try encoders[i].encode(level: level, under: .frequencies(table), source: "\(source): image \(i), sub-pixel \(position)")
                bits[i] -= log2(Double(table.frequencies[level]) / Double(RANS.totalFrequency))
                return level
            }
            for i in 0..<N {
                let data = encoders[i].finish()
                bytesPerOrder[i].append(data.count)
                if best[i] == nil || data.count < best[i]!.data.count { best[i] = (k, data, bits[i]) }
            }
            progress?(k + 1, ordersToTry)
        }
        let file = LMCFile(fingerprint: fingerprint, geometry: geometry(height: H, width: W), images: (0..<N).map { i in
            LMCFile.Image(orderIndex: best[i]!.order, pixelCRC: LMCFile.pixelCRC(levels: levels[i]), name: images.name(i),
                          data: best[i]!.data)
        })
        let size = try file.serialized(source: source).count
        let report = CompressionReport(chosenOrder: best.map { $0!.order }, bytesPerOrder: bytesPerOrder,
                                       informationBits: best.reduce(0) { $0 + $1!.bits }, subPixels: N * images.imageSize,
                                       fileBytes: size)
        return (file, report)
    }

    /// The images of `file`, exactly as compressed. Throws (and returns nothing) for a file of another model or
    /// geometry, coded data that does not decode, or pixels that fail their CRC; `source` names the file.
    public func decompress(_ file: LMCFile, source: String, progress: ((Int, Int) -> Void)? = nil) throws -> CodecImages {
        guard file.fingerprint == fingerprint else {
            throw LMConvError.invalidArgument(source: source, reason: "compressed with another model (fingerprint \(file.fingerprint.description.prefix(16))...), not this one (\(fingerprint.description.prefix(16))...)")
        }
        let g = file.geometry, cfg = model.configuration
        guard g.pixels == pixelKind, g.channels == cfg.channels else {
            throw LMConvError.corruptFile(source: source, reason: "its geometry (\(g.channels) channels, \(g.pixels)) does not fit the model it names")
        }
        let N = file.images.count, size = g.subPixelCount
        for (i, image) in file.images.enumerated() where image.orderIndex >= orderCount {
            throw LMConvError.corruptFile(source: source, reason: "image \(i): order index \(image.orderIndex) (the model has \(orderCount) orders)")
        }
        let candidates = try orders.orders(height: g.height, width: g.width)
        var pixels = [UInt8](repeating: 0, count: N * size)
        // Images coded in the same order decode together, in batches.
        let groups = Dictionary(grouping: 0..<N) { file.images[$0].orderIndex }.sorted { $0.key < $1.key }
        var finished = 0
        for (orderIndex, members) in groups {
            var decoders = try members.map { i in try RANSDecoder(file.images[i].data, source: "\(source): image \(i)") }
            var levels = [[Int]](repeating: [Int](repeating: 0, count: size), count: members.count)
            try run(count: members.count, height: g.height, width: g.width, order: candidates[orderIndex]) { m, position, table in
                let level = try decoders[m].decode(in: table)
                levels[m][position] = level
                return level
            }
            for (m, i) in members.enumerated() {
                try decoders[m].finish()
                try file.checkPixels(levels[m], image: i, source: source)
                pixels.replaceSubrange((i * size)..<((i + 1) * size), with: self.pixels(ofLevels: levels[m]))
            }
            finished += members.count
            progress?(finished, N)
        }
        let names = file.images.contains { $0.name != nil } ? file.images.map(\.name) : []
        return CodecImages(channels: g.channels, height: g.height, width: g.width, pixels: pixels, names: names)
    }

    /// The file geometry of H x W images for this model.
    public func geometry(height: Int, width: Int) -> LMCFile.Geometry {
        LMCFile.Geometry(channels: model.configuration.channels, height: height, width: width, pixels: pixelKind)
    }
}
