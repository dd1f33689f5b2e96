extension PNG {
    /// The fields of an IHDR chunk that decoding needs.
    struct Header {
        var width: Int
        var height: Int
        var bitDepth: Int
        var colorType: Int
        var interlaced: Bool

        /// Samples per pixel in the file.
        var samples: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }
        var bitsPerPixel: Int { samples * bitDepth }
        /// Bytes in one scanline of `pixels` pixels, without the filter byte.
        func rowBytes(_ pixels: Int) -> Int { (pixels * bitsPerPixel + 7) / 8 }
        /// Channels of the decoded image: alpha dropped, palette expanded.
        var outputChannels: Int { colorType == 0 || colorType == 4 ? 1 : 3 }
    }

    /// Adam7 passes: (x start, y start, x step, y step).
    static let adam7: [(Int, Int, Int, Int)] = [
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
    ]

    /// Decodes the bytes of a PNG file; `source` names it in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws -> RGBImage {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
            throw LMConvError("\(source): not a PNG file (wrong signature)")
        }
        func be32(_ p: Int) -> Int {
            Int(bytes[p]) << 24 | Int(bytes[p + 1]) << 16 | Int(bytes[p + 2]) << 8 | Int(bytes[p + 3])
        }
        var header: Header?
        var palette: [UInt8]?
        var compressed = [UInt8]()
        var sawEnd = false
        var pos = 8
        while pos < bytes.count {
            guard pos + 12 <= bytes.count else { throw LMConvError("\(source): PNG is truncated (in a chunk header)") }
            let length = be32(pos)
            let typeBytes = bytes[(pos + 4)..<(pos + 8)]
            let type = String(decoding: typeBytes, as: UTF8.self)
            let dataStart = pos + 8
            guard length <= Int(Int32.max), dataStart + length + 4 <= bytes.count else {
                throw LMConvError("\(source): PNG is truncated (chunk \(type) claims \(length) bytes)")
            }
            let dataEnd = dataStart + length
            let data = bytes[dataStart..<dataEnd]
            guard ZlibCodec.crc32(bytes[(pos + 4)..<dataEnd]) == UInt32(be32(dataEnd)) else {
                throw LMConvError("\(source): PNG chunk \(type) has a bad CRC (the file is corrupt)")
            }
            if header == nil && type != "IHDR" {
                throw LMConvError("\(source): PNG starts with chunk \(type) instead of IHDR")
            }
            switch type {
            case "IHDR": header = try parseHeader(data, source: source)
            case "PLTE":
                guard length % 3 == 0, length > 0, length <= 768 else {
                    throw LMConvError("\(source): PNG palette has a bad length \(length)")
                }
                palette = Array(data)
            case "IDAT": compressed += data
            case "IEND": sawEnd = true
            default:
                // Ancillary chunks (lowercase first letter: tEXt, gAMA, tRNS, ...) may be skipped; critical ones may not.
                if typeBytes.first! & 0x20 == 0 {
                    throw LMConvError("\(source): PNG has an unknown critical chunk \(type)")
                }
            }
            pos = dataEnd + 4
            if sawEnd { break }
        }
        guard let header else { throw LMConvError("\(source): PNG has no IHDR chunk") }
        guard sawEnd else { throw LMConvError("\(source): PNG is truncated (no IEND chunk)") }
        guard !compressed.isEmpty else { throw LMConvError("\(source): PNG has no image data (IDAT)") }
        if header.colorType == 3 && palette == nil { throw LMConvError("\(source): palette PNG has no PLTE chunk") }

        let passes: [(x0: Int, y0: Int, dx: Int, dy: Int, w: Int, h: Int)] =
            (header.interlaced ? adam7 : [(0, 0, 1, 1)]).map { (x0, y0, dx, dy) in
                (x0, y0, dx, dy, (header.width - x0 + dx - 1) / dx, (header.height - y0 + dy - 1) / dy)
            }
        // Empty passes (of small interlaced images) have no scanlines at all, not even filter bytes.
        let expected = passes.reduce(0) { $0 + ($1.w == 0 || $1.h == 0 ? 0 : $1.h * (1 + header.rowBytes($1.w))) }
        let raw = try ZlibCodec.inflate(compressed, container: .zlib, source: source, sizeHint: expected)
        guard raw.count >= expected else {
            throw LMConvError("\(source): PNG image data is truncated (\(raw.count) of \(expected) bytes)")
        }

        let channels = header.outputChannels
        var pixels = [UInt8](repeating: 0, count: header.width * header.height * channels)
        var offset = 0
        for pass in passes where pass.w > 0 && pass.h > 0 {
            let rowBytes = header.rowBytes(pass.w)
            let rows = try unfilter(raw, at: offset, rows: pass.h, rowBytes: rowBytes,
                                    bpp: max(1, header.bitsPerPixel / 8), source: source)
            offset += pass.h * (1 + rowBytes)
            try expand(rows, header: header, palette: palette, width: pass.w, height: pass.h, rowBytes: rowBytes,
                       source: source, into: &pixels) { x, y in
                ((pass.y0 + y * pass.dy) * header.width + pass.x0 + x * pass.dx) * channels
            }
        }
        return RGBImage(width: header.width, height: header.height, channels: channels, pixels: pixels)
    }

    private static func parseHeader(_ d: ArraySlice<UInt8>, source: String) throws -> Header {
        guard d.count == 13 else { throw LMConvError("\(source): PNG IHDR chunk has \(d.count) bytes, not 13") }
        let b = Array(d)
        let width = Int(b[0]) << 24 | Int(b[1]) << 16 | Int(b[2]) << 8 | Int(b[3])
        let height = Int(b[4]) << 24 | Int(b[5]) << 16 | Int(b[6]) << 8 | Int(b[7])
        let (depth, colorType) = (Int(b[8]), Int(b[9]))
        guard width > 0, height > 0, width <= 1 << 24, height <= 1 << 24, width * height <= 1 << 30 else {
            throw LMConvError("\(source): PNG size \(width)x\(height) is empty or too large")
        }
        let allowed: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let depths = allowed[colorType] else {
            throw LMConvError("\(source): PNG colour type \(colorType) is invalid")
        }
        guard depths.contains(depth) else {
            throw LMConvError("\(source): PNG bit depth \(depth) is invalid for colour type \(colorType)")
        }
        guard b[10] == 0, b[11] == 0 else {
            throw LMConvError("\(source): PNG compression method \(b[10]) / filter method \(b[11]) is not the standard 0")
        }
        guard b[12] <= 1 else { throw LMConvError("\(source): PNG interlace method \(b[12]) is invalid") }
        return Header(width: width, height: height, bitDepth: depth, colorType: colorType, interlaced: b[12] == 1)
    }

    /// Undoes the per-row filters of `rows` scanlines starting at `offset` in `data` (each a filter-type byte and
    /// `rowBytes` bytes); returns the scanlines without their filter bytes.
    private static func unfilter(
        _ data: [UInt8], at offset: Int, rows: Int, rowBytes: Int, bpp: Int, source: String
    ) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows * rowBytes)
        try data.withUnsafeBufferPointer { src in
            try out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<rows {
                    let inRow = offset + y * (rowBytes + 1) + 1
                    let cur = y * rowBytes
                    let prev = cur - rowBytes
                    let type = src[inRow - 1]
                    switch type {
                    case 0:
                        for i in 0..<rowBytes { dst[cur + i] = src[inRow + i] }
                    case 1:
                        for i in 0..<rowBytes { dst[cur + i] = src[inRow + i] &+ (i >= bpp ? dst[cur + i - bpp] : 0) }
                    case 2:
                        for i in 0..<rowBytes { dst[cur + i] = src[inRow + i] &+ (y > 0 ? dst[prev + i] : 0) }
                    case 3:
                        for i in 0..<rowBytes {
                            let a = i >= bpp ? Int(dst[cur + i - bpp]) : 0
                            let b = y > 0 ? Int(dst[prev + i]) : 0
                            dst[cur + i] = src[inRow + i] &+ UInt8((a + b) / 2)
                        }
                    case 4:
                        for i in 0..<rowBytes {
                            let a = i >= bpp ? dst[cur + i - bpp] : 0
                            let b = y > 0 ? dst[prev + i] : 0
                            let c = i >= bpp && y > 0 ? dst[prev + i - bpp] : 0
                            dst[cur + i] = src[inRow + i] &+ paeth(a, b, c)
                        }
                    default:
                        throw LMConvError("\(source): PNG row \(y) has an invalid filter type \(type) (the file is corrupt)")
                    }
                }
            }
        }
        return out
    }

    /// Converts unfiltered scanlines to 8-bit gray or RGB pixels, storing pixel (x, y) of this (pass) image at
    /// `position(x, y)` in `pixels`.
    private static func expand(
        _ rows: [UInt8], header: Header, palette: [UInt8]?, width: Int, height: Int, rowBytes: Int, source: String,
        into pixels: inout [UInt8], position: (Int, Int) -> Int
    ) throws {
        let depth = header.bitDepth
        let samples = header.samples
        let maxValue = (1 << depth) - 1
        for y in 0..<height {
            let row = y * rowBytes
            // Sample k of pixel x at the file's bit depth.
            func sample(_ x: Int, _ k: Int) -> Int {
                switch depth {
                case 8: return Int(rows[row + x * samples + k])
                case 16:
                    let p = row + (x * samples + k) * 2
                    return Int(rows[p]) << 8 | Int(rows[p + 1])
                default:  // 1, 2 or 4 bits, one sample per pixel, most significant bits first
                    let bit = x * depth
                    return Int(rows[row + bit / 8] >> (8 - depth - bit % 8)) & maxValue
                }
            }
            func to8(_ v: Int) -> UInt8 {
                depth == 16 ? UInt8((v * 255 + 32767) / 65535) : UInt8(v * 255 / maxValue)
            }
            for x in 0..<width {
                let o = position(x, y)
                switch header.colorType {
                case 0, 4:
                    pixels[o] = to8(sample(x, 0))
                case 2, 6:
                    pixels[o] = to8(sample(x, 0))
                    pixels[o + 1] = to8(sample(x, 1))
                    pixels[o + 2] = to8(sample(x, 2))
                default:  // 3, palette
                    let index = sample(x, 0)
                    guard let palette, index * 3 + 2 < palette.count else {
                        throw LMConvError("\(source): PNG pixel uses palette entry \(index), past the palette's end")
                    }
                    pixels[o] = palette[index * 3]
                    pixels[o + 1] = palette[index * 3 + 1]
                    pixels[o + 2] = palette[index * 3 + 2]
                }
            }
        }
    }
}
