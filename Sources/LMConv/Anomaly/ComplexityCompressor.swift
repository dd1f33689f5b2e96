import Foundation

// The generic lossless compressors of the input-complexity score (Serrà et al., "Input complexity and
// out-of-distribution detection with likelihood-based generative models", ICLR 2020): L(x), the code length of an
// image under a compressor that knows nothing of the training data, estimates how simple the image is; the NLL minus
// L(x) removes that part from the likelihood, which otherwise ranks simple images (MNIST digits, mostly black) as
// the most likely whatever the model was trained on. The image is compressed in the form the model scores (its
// binarised or n-bit levels).
//
// Three compressors; which is the default depends on the images (``recommended(forBinaryImages:)``). Serrà et al.
// found the score the better the better the compressor (FLIF beat PNG, which beat JPEG2000). `context` (the default
// for images of more than two levels, ``ContextCoder``) models each pixel from its neighbours adaptively, as JBIG
// (bilevel) and FLIF/CALIC (gray) do, and codes 28x28 images in about as many bits as a briefly trained PixelCNN;
// `context8` is the same coder run over the image in its 8 orientations (the transposes and reflections, the
// variants LMConv makes of an order) and mixed: −log2 of the mean of the 8 probabilities, an ensemble over scan
// orders as the model's is over generation orders, at most 3 bits above the best orientation's length (the default
// for binary images);
// `png` is PNG's filter-and-deflate, the classic choice, which is poor on small images and on binarised ones (thin
// strokes of packed bits defeat deflate's string matching: on binarised MNIST it is worse than on Fashion-MNIST, which
// inverts the score). PNG's code length is the zlib stream's: the PNG file without its 57 fixed bytes of signature
// and chunk framing, the same for every image.

/// The lossless compressors of the complexity score, and their code lengths.
public enum ComplexityCompressor: String, CaseIterable, Sendable {
    /// The adaptive context-model coder (``ContextCoder``): ideal arithmetic-coding code length.
    case context
    /// The context coder in each of the image's 8 orientations, mixed with equal weights: −log2(Σ_k 2^−L_k / 8).
    case context8
    /// PNG: each row filtered with the predictor (none, sub, up, average, Paeth) of least absolute residual sum,
    /// then deflate at level 9 (zlib); binarised images as 1-bit rows.
    case png

    /// The compressor a detector uses unless told otherwise: `context8` for binary images, where mixing the
    /// orientations lifts the complexity AUROC of Fashion-MNIST against MNIST from 0.969 to 0.978 (the shipped binary
    /// model, one order), and `context` for images of more levels, where it lowers it (0.990 to 0.985; README,
    /// "Out-of-distribution detection").
    public static func recommended(forBinaryImages binary: Bool) -> ComplexityCompressor {
        binary ? .context8 : .context
    }

    /// A one-line description for reports.
    public var summary: String {
        switch self {
        case .context: return "context (adaptive context-model coder: causal neighbours, ideal arithmetic-coding length)"
        case .context8: return "context8 (the context coder in the image's 8 orientations, their mixture's code length)"
        case .png: return "png (per-row filter + deflate level 9, zlib)"
        }
    }

    /// Bits to code the image. `levels` holds its sub-pixel levels (C, H, W), each in 0..<2^`bitDepth`
    /// (`bitDepth` 1: binary, one channel).
    public func codeLengthBits(levels: ArraySlice<UInt8>, channels C: Int, height H: Int, width W: Int,
                               bitDepth: Int) -> Double {
        precondition(levels.count == C * H * W, "levels do not fit \(C)x\(H)x\(W)")
        precondition((1...8).contains(bitDepth) && (bitDepth > 1 || C == 1))
        switch self {
        case .png:
            return Double(8 * Self.pngStream(levels: levels, channels: C, height: H, width: W, bitDepth: bitDepth).count)
        case .context:
            return Self.contextCodeLength(levels, channels: C, height: H, width: W, bitDepth: bitDepth)
        case .context8:
            let lengths = ImageOrientation.all.map { orientation -> Double in
                let (oriented, h, w) = orientation.apply(levels, channels: C, height: H, width: W)
                return Self.contextCodeLength(oriented[...], channels: C, height: h, width: w, bitDepth: bitDepth)
            }
            // −log2 of the mean probability, from the shortest length so that 2^−L never underflows.
            let shortest = lengths.min()!
            let sum = lengths.reduce(0) { $0 + exp2(shortest - $1) }
            return shortest - log2(sum) + log2(Double(lengths.count))
        }
    }

    /// ``ContextCoder``'s code length of the image in raster order.
    static func contextCodeLength(_ levels: ArraySlice<UInt8>, channels C: Int, height H: Int, width W: Int,
                                  bitDepth: Int) -> Double {
        bitDepth == 1 ? ContextCoder.binaryCodeLength(levels, height: H, width: W)
            : ContextCoder.grayCodeLength(levels, channels: C, height: H, width: W, maxLevel: (1 << bitDepth) - 1)
    }

    /// The zlib stream a PNG's IDAT chunk would hold for the image (8-bit gray or RGB samples holding the levels, or
    /// 1-bit gray when `bitDepth` is 1 and C is 1).
    public static func pngStream(levels: ArraySlice<UInt8>, channels C: Int, height H: Int, width W: Int,
                                 bitDepth: Int) -> [UInt8] {
        precondition(levels.count == C * H * W, "levels do not fit \(C)x\(H)x\(W)")
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

    /// One of an image's eight orientations: its rows and/or columns reflected, and the result possibly transposed.
    struct ImageOrientation {
        var transposed: Bool, flipRows: Bool, flipColumns: Bool

        /// All eight.
        static let all: [ImageOrientation] = [false, true].flatMap { t in
            [false, true].flatMap { r in
                [false, true].map { c in ImageOrientation(transposed: t, flipRows: r, flipColumns: c) }
            }
        }

        /// The image (C, H, W) seen in this orientation: its levels (C, h, w) and its new size.
        func apply(_ v: ArraySlice<UInt8>, channels C: Int, height H: Int, width W: Int) -> ([UInt8], Int, Int) {
            let (h, w) = transposed ? (W, H) : (H, W)
            var out = [UInt8](repeating: 0, count: C * H * W)
            let base = v.startIndex
            for c in 0..<C {
                for y in 0..<h {
                    for x in 0..<w {
                        let sy = flipRows ? h - 1 - y : y, sx = flipColumns ? w - 1 - x : x   // in the (h, w) frame
                        let (r, col) = transposed ? (sx, sy) : (sy, sx)                       // in the source's (H, W)
                        out[(c * h + y) * w + x] = v[base + (c * H + r) * W + col]
                    }
                }
            }
            return (out, h, w)
        }
    }

    /// The sub-pixel levels of network values x in [-1, 1] at `bitDepth` bits (1: binary, x > 0 is on).
    public static func levels<S: Sequence>(ofNetworkValues x: S, bitDepth: Int) -> [UInt8] where S.Element == Float {
        if bitDepth == 1 { return x.map { $0 > 0 ? 1 : 0 } }
        let top = Float((1 << bitDepth) - 1)
        return x.map { UInt8(min(max(($0 + 1) / 2 * top, 0), top).rounded()) }
    }
}
