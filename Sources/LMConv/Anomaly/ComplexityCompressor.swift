// The generic lossless compressor of the input-complexity score (Serrà et al., "Input complexity and
// out-of-distribution detection with likelihood-based generative models", ICLR 2020): L(x), the code length of an
// image under a compressor that knows nothing of the training data, estimates how simple the image is; the NLL minus
// L(x) removes that part from the likelihood, which otherwise ranks simple images (MNIST digits, mostly black) as
// the most likely whatever the model was trained on.
//
// The compressor is PNG's: each row filtered with the predictor (none, sub, up, average, Paeth) that minimises the
// sum of absolute residuals, then deflate at level 9 (zlib). Serrà et al. found PNG close to the best of the
// compressors they tried (FLIF) and clearly better than JPEG2000; it is lossless, deterministic, needs nothing
// beyond zlib (already the package's), and costs microseconds per 28x28 image. The image is compressed in the form
// the model scores: binarized images as 1-bit PNG rows (eight pixels a byte), others as one byte per sub-pixel
// holding its n-bit level. The code length is the zlib stream's, in bits: the PNG file without its 57 fixed bytes
// of signature and chunk framing, which are the same for every image and would only shift the score.

/// PNG-style lossless code lengths of images.
public enum ComplexityCompressor {
    /// The compressor's name, as reports print it.
    public static let name = "png (per-row filter + deflate level 9, zlib)"

    /// Bits of the compressed image. `levels` holds the image's sub-pixel levels (C, H, W), each in
    /// 0..<2^`bitDepth`; with `bitDepth` 1 rows are packed eight pixels a byte as in a 1-bit PNG.
    public static func codeLengthBits(levels: ArraySlice<UInt8>, channels C: Int, height H: Int, width W: Int,
                                      bitDepth: Int) -> Int {
        8 * pngStream(levels: levels, channels: C, height: H, width: W, bitDepth: bitDepth).count
    }

    /// The zlib stream a PNG's IDAT chunk would hold for the image (8-bit gray or RGB samples holding the levels, or
    /// 1-bit gray when `bitDepth` is 1 and C is 1).
    public static func pngStream(levels: ArraySlice<UInt8>, channels C: Int, height H: Int, width W: Int,
                                 bitDepth: Int) -> [UInt8] {
        precondition(levels.count == C * H * W, "levels do not fit \(C)x\(H)x\(W)")
        precondition((1...8).contains(bitDepth))
        let base = levels.startIndex
        // Scanlines as PNG stores them: (H, W, C) interleaved, or packed bits for 1-bit gray.
        let rowBytes: Int, bytesPerPixel: Int
        var rows: [UInt8]
        if bitDepth == 1 && C == 1 {
            rowBytes = (W + 7) / 8
            bytesPerPixel = 1    // PNG filters sub-byte pixels against the byte to the left
            rows = [UInt8](repeating: 0, count: H * rowBytes)
            for y in 0..<H { for x in 0..<W where levels[base + y * W + x] != 0 {
                rows[y * rowBytes + x / 8] |= 0x80 >> UInt8(x % 8)
            } }
        } else {
            rowBytes = W * C
            bytesPerPixel = C
            rows = [UInt8](repeating: 0, count: H * rowBytes)
            for c in 0..<C { for q in 0..<(H * W) { rows[q * C + c] = levels[base + c * H * W + q] } }
        }
        var filtered = [UInt8]()
        filtered.reserveCapacity(H * (rowBytes + 1))
        var candidate = [UInt8](repeating: 0, count: rowBytes), best = candidate
        for y in 0..<H {
            let row = y * rowBytes
            var bestType: UInt8 = 0, bestCost = Int.max
            for type: UInt8 in 0...4 {
                var cost = 0
                for i in 0..<rowBytes {
                    let a = i >= bytesPerPixel ? rows[row + i - bytesPerPixel] : 0
                    let b = y > 0 ? rows[row - rowBytes + i] : 0
                    let c = (i >= bytesPerPixel && y > 0) ? rows[row - rowBytes + i - bytesPerPixel] : 0
                    let v = rows[row + i] &- PNG.predictor(type, a, b, c)
                    candidate[i] = v
                    cost += v < 128 ? Int(v) : 256 - Int(v)
                }
                if cost < bestCost { bestCost = cost; bestType = type; swap(&candidate, &best) }
            }
            filtered.append(bestType)
            filtered += best
        }
        return ZlibCodec.deflate(filtered, level: 9)
    }

    /// The sub-pixel levels of network values x in [-1, 1] at `bitDepth` bits (1: binary, x > 0 is on).
    public static func levels<S: Sequence>(ofNetworkValues x: S, bitDepth: Int) -> [UInt8] where S.Element == Float {
        if bitDepth == 1 { return x.map { $0 > 0 ? 1 : 0 } }
        let top = Float((1 << bitDepth) - 1)
        return x.map { UInt8(min(max(($0 + 1) / 2 * top, 0), top).rounded()) }
    }
}
