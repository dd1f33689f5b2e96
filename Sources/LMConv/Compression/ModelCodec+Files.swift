import Foundation

// Compressing a set of images into an LMCFile and back: the order choice per image (`--orders K`), the pixel CRCs,
// and the accounting that `lmconv compress` reports.

/// What compressing cost, image by image.
public struct CompressionReport: Sendable {
    /// Per image: the chosen order's index and the information content (bits) of every order tried, in the order
    /// list's order.
    public var chosenOrder: [Int]
    public var bitsPerOrder: [[Double]]
    /// The information content of the images under the chosen orders, in bits (Σ −log2 of each level's quantized
    /// frequency / 2^24): what an ideal coder would spend.
    public var informationBits: Double
    /// Sub-pixels coded (N * C * H * W).
    public var subPixels: Int
    /// Bytes of coded data (every stream, without the header) and the number of streams.
    public var codedBytes: Int
    public var streams: Int
    /// The whole file's size in bytes.
    public var fileBytes: Int

    /// The information content had every image used the first order.
    public var singleOrderBits: Double { bitsPerOrder.reduce(0) { $0 + $1[0] } }
}

extension ModelCodec {
    /// Compresses `images`, trying the first `ordersToTry` of the model's orders for each image and keeping the one
    /// of least information content (ties: the earlier). The images of each chosen order are then coded
    /// ``imagesPerStream`` at a time into one stream each. `progress(done, total)` is called after each order.
    public func compress(_ images: CodecImages, ordersToTry: Int = 1, source: String = "input",
                         progress: ((Int, Int) -> Void)? = nil) throws -> (LMCFile, CompressionReport) {
        let cfg = model.configuration
        guard images.channels == cfg.channels else {
            throw LMConvError.shapeMismatch(source: source, reason: "\(images.channels)-channel images, but the model codes \(cfg.channels) channel\(cfg.channels == 1 ? "" : "s")")
        }
        guard (1...orderCount).contains(ordersToTry) else {
            throw LMConvError.invalidOption(name: "--orders", value: "\(ordersToTry)", reason: "the model has \(orderCount) orders")
        }
        let (N, H, W, S) = (images.count, images.height, images.width, images.imageSize)
        let levels = try (0..<N).map { i in
            try self.levels(ofPixels: images.image(i), source: images.name(i).map { "\(source): \($0)" } ?? "\(source): image \(i)")
        }
        let candidates = try orders.orders(height: H, width: W)
        // Per image, for the best order so far: its index, information content, and symbols (start << 32 |
        // frequency, in coding order: what the stream's encoder needs, so that no second network pass is run).
        var chosen = [Int](repeating: 0, count: N), chosenBits = [Double](repeating: .infinity, count: N)
        var chosenSymbols = [[UInt64]](repeating: [], count: N)
        var bitsPerOrder = [[Double]](repeating: [], count: N)
        for k in 0..<ordersToTry {
            var symbols = [[UInt64]](repeating: [], count: N)
            for i in 0..<N { symbols[i].reserveCapacity(S) }
            var bits = [Double](repeating: 0, count: N)
            try run(count: N, height: H, width: W, order: candidates[k]) { i, position, table in
                let level = levels[i][position]
                guard table.frequencies.indices.contains(level), table.frequencies[level] > 0 else {
                    throw LMConvError.invalidArgument(source: "\(source): image \(i), sub-pixel \(position)",
                                                      reason: "level \(level) cannot be coded under a distribution over \(table.count) levels")
                }
                symbols[i].append(UInt64(table.cumulative[level]) << 32 | UInt64(table.frequencies[level]))
                bits[i] -= log2(Double(table.frequencies[level]) / Double(RANS.totalFrequency))
                return level
            }
            for i in 0..<N {
                bitsPerOrder[i].append(bits[i])
                if bits[i] < chosenBits[i] { (chosen[i], chosenBits[i], chosenSymbols[i]) = (k, bits[i], symbols[i]) }
            }
            progress?(k + 1, ordersToTry)
        }
        // One stream per group: step by step, the group's images in turn (the decoder's lockstep order).
        let groups = LMCFile.groups(orderIndices: chosen, groupSize: imagesPerStream)
        let streams = groups.map { members -> [UInt8] in
            var encoder = RANSEncoder(reservingCapacity: members.count * S)
            for t in 0..<S {
                for i in members {
                    let symbol = chosenSymbols[i][t]
                    encoder.encode(start: UInt32(symbol >> 32), frequency: UInt32(truncatingIfNeeded: symbol))
                }
            }
            return encoder.finish()
        }
        let file = LMCFile(fingerprint: fingerprint, geometry: geometry(height: H, width: W), images: (0..<N).map { i in
            LMCFile.Image(orderIndex: chosen[i], pixelCRC: LMCFile.pixelCRC(levels: levels[i]), name: images.name(i))
        }, groupSize: imagesPerStream, streams: streams)
        let size = try file.serialized(source: source).count
        let report = CompressionReport(chosenOrder: chosen, bitsPerOrder: bitsPerOrder, informationBits: chosenBits.reduce(0, +),
                                       subPixels: N * S, codedBytes: file.codedByteCount, streams: streams.count, fileBytes: size)
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
        let N = file.images.count, size = g.subPixelCount, G = file.groupSize
        for (i, image) in file.images.enumerated() where image.orderIndex >= orderCount {
            throw LMConvError.corruptFile(source: source, reason: "image \(i): order index \(image.orderIndex) (the model has \(orderCount) orders)")
        }
        let groups = file.groups
        guard G >= 1, file.streams.count == groups.count else {
            throw LMConvError.corruptFile(source: source, reason: "\(file.streams.count) streams for \(groups.count) groups of images")
        }
        let candidates = try orders.orders(height: g.height, width: g.width)
        var pixels = [UInt8](repeating: 0, count: N * size)
        // The groups of one order decode together, in batches of whole groups (a stream interleaves its images step
        // by step); within an order every group but the last is full, so member m is in the order's group m / G.
        let batch = (batchSize + G - 1) / G * G
        var finished = 0, first = 0
        while first < groups.count {
            let orderIndex = file.images[groups[first][0]].orderIndex
            var end = first
            while end < groups.count && file.images[groups[end][0]].orderIndex == orderIndex { end += 1 }
            let members = groups[first..<end].flatMap { $0 }
            var decoders = try (first..<end).map { s in
                try RANSDecoder(file.streams[s], source: "\(source): stream \(s) (images \(groups[s].map(String.init).joined(separator: ",").prefix(40)))")
            }
            var levels = [[Int]](repeating: [Int](repeating: 0, count: size), count: members.count)
            try run(count: members.count, height: g.height, width: g.width, order: candidates[orderIndex], batchSize: batch) { m, position, table in
                let level = try decoders[m / G].decode(in: table)
                levels[m][position] = level
                return level
            }
            for decoder in decoders { try decoder.finish() }
            for (m, i) in members.enumerated() {
                try file.checkPixels(levels[m], image: i, source: source)
                pixels.replaceSubrange((i * size)..<((i + 1) * size), with: self.pixels(ofLevels: levels[m]))
            }
            finished += members.count
            progress?(finished, N)
            first = end
        }
        let names = file.images.contains { $0.name != nil } ? file.images.map(\.name) : []
        return CodecImages(channels: g.channels, height: g.height, width: g.width, pixels: pixels, names: names)
    }

    /// The file geometry of H x W images for this model.
    public func geometry(height: Int, width: Int) -> LMCFile.Geometry {
        LMCFile.Geometry(channels: model.configuration.channels, height: height, width: width, pixels: pixelKind)
    }
}
