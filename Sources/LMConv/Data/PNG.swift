/// Reading and writing PNG files (ISO/IEC 15948).
///
/// The encoder writes 8-bit grayscale or RGB, non-interlaced, choosing a filter per row with the usual
/// minimum-sum-of-absolute-differences heuristic. The decoder is libpng (through the C target CPNGShim) and reads
/// every standard PNG: all colour types (grayscale, RGB, palette, grayscale+alpha, RGBA), bit depths 1 to 16 and
/// Adam7 interlacing. It returns 8-bit grayscale or RGB: alpha and tRNS transparency are dropped (like PIL's
/// `convert`), palettes are expanded to RGB, 16-bit samples are rounded to 8 bits (v * 255 / 65535, to nearest) and
/// 1-, 2- and 4-bit gray is scaled to 0...255.
public enum PNG {
    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The PNG file for `image`. `compressionLevel` is zlib's, 0...9.
    public static func encode(_ image: RGBImage, compressionLevel: Int32 = 6) -> [UInt8] {
        let bpp = image.channels
        let rowBytes = image.width * bpp
        var filtered = [UInt8]()
        filtered.reserveCapacity(image.height * (rowBytes + 1))
        var candidate = [UInt8](repeating: 0, count: rowBytes)
        var best = [UInt8](repeating: 0, count: rowBytes)
        image.pixels.withUnsafeBufferPointer { px in
            for y in 0..<image.height {
                let row = y * rowBytes
                var bestType: UInt8 = 0
                var bestCost = Int.max
                for type: UInt8 in 0...4 {
                    var cost = 0
                    for i in 0..<rowBytes {
                        let x = px[row + i]
                        let a = i >= bpp ? px[row + i - bpp] : 0
                        let b = y > 0 ? px[row - rowBytes + i] : 0
                        let c = (i >= bpp && y > 0) ? px[row - rowBytes + i - bpp] : 0
                        let v = x &- predictor(type, a, b, c)
                        candidate[i] = v
                        // Bytes read as signed: small residuals either side of zero compress well.
                        cost += v < 128 ? Int(v) : 256 - Int(v)
                    }
                    if cost < bestCost {
                        bestCost = cost
                        bestType = type
                        swap(&candidate, &best)
                    }
                }
                filtered.append(bestType)
                filtered.append(contentsOf: best)
            }
        }
        var ihdr = [UInt8]()
        appendBigEndian(&ihdr, UInt32(image.width))
        appendBigEndian(&ihdr, UInt32(image.height))
        ihdr += [8, image.channels == 1 ? 0 : 2, 0, 0, 0]  // depth, colour type, compression, filter, interlace

        var file = signature
        appendChunk(&file, "IHDR", ihdr[...])
        let compressed = ZlibCodec.deflate(filtered, level: compressionLevel)
        // Several IDAT chunks of at most 1 MiB, as encoders usually write.
        var start = 0
        repeat {
            let end = min(start + (1 << 20), compressed.count)
            appendChunk(&file, "IDAT", compressed[start..<end])
            start = end
        } while start < compressed.count
        appendChunk(&file, "IEND", [][...])
        return file
    }

    /// Writes `image` as a PNG file at `path`, atomically (``AtomicFile``).
    public static func write(_ image: RGBImage, to path: String) throws {
        try AtomicFile.write(encode(image), to: path)
    }

    /// Reads the PNG file at `path`.
    public static func read(contentsOf path: String) throws -> RGBImage {
        try decode(DataFile.read(path), source: path)
    }

    /// The PNG filter predictor for filter `type` from the left (a), up (b) and upper-left (c) bytes.
    @inline(__always)
    static func predictor(_ type: UInt8, _ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        switch type {
        case 0: return 0
        case 1: return a
        case 2: return b
        case 3: return UInt8((Int(a) + Int(b)) / 2)
        default: return paeth(a, b, c)
        }
    }

    @inline(__always)
    static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    private static func appendBigEndian(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    private static func appendChunk(_ out: inout [UInt8], _ type: String, _ data: ArraySlice<UInt8>) {
        appendBigEndian(&out, UInt32(data.count))
        let typeBytes = Array(type.utf8)
        out += typeBytes
        out += data
        appendBigEndian(&out, ZlibCodec.crc32(data, continuing: ZlibCodec.crc32(typeBytes[...])))
    }
}
