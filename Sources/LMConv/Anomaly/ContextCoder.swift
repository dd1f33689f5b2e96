import Foundation

// An adaptive context-model image coder: the generic lossless compressor behind the complexity score by default.
// Every pixel is coded in raster order from its causal neighbours by adaptive binary models that start knowing
// nothing and learn within the image, the way JBIG codes bilevel images and FLIF or CALIC code gray ones. The code
// length is the ideal one of arithmetic coding, Σ −log2 p(bit) (an arithmetic coder attains it within 2 bits per
// image), computed without writing the bits.
//
// - Binary images: each pixel from the 16 contexts of its west, north-west, north and north-east neighbours (the
//   causal 3x3 neighbourhood; 16 contexts are learnable within one small image, where JBIG's 1024 are not).
// - Images of more levels, channel by channel: the LOCO-I median edge predictor (JPEG-LS) from west, north and
//   north-west; the residual coded as near-zero integers (FLIF): a zero flag, a sign, the magnitude's exponent in
//   unary and its lower bits, each with its own adaptive models, in 8 contexts of local activity
//   |W − NW| + |N − NW| + |N − NE| on a log2 scale.
//
// Adaptive binary models use the Krichevsky–Trofimov estimator: p(1) = (n1 + ½) / (n0 + n1 + 1).

/// Ideal code lengths of images under an adaptive context model.
enum ContextCoder {
    /// Adaptive binary models, two counts per context.
    struct BitModels {
        private var counts: [UInt32]

        init(contexts: Int) { counts = [UInt32](repeating: 0, count: 2 * contexts) }

        /// The bits to code `bit` in `context`, then learns it.
        @inline(__always)
        mutating func code(_ bit: Bool, _ context: Int) -> Double {
            let n0 = Double(counts[2 * context]), n1 = Double(counts[2 * context + 1])
            counts[2 * context + (bit ? 1 : 0)] += 1
            return -log2(((bit ? n1 : n0) + 0.5) / (n0 + n1 + 1))
        }
    }

    /// Bits to code a binary image (levels 0 or nonzero, (H, W)) from its causal 3x3 neighbours.
    static func binaryCodeLength(_ v: ArraySlice<UInt8>, height H: Int, width W: Int) -> Double {
        let base = v.startIndex
        func on(_ y: Int, _ x: Int) -> Int { y >= 0 && x >= 0 && x < W && v[base + y * W + x] != 0 ? 1 : 0 }
        var models = BitModels(contexts: 16), bits = 0.0
        for y in 0..<H {
            for x in 0..<W {
                let context = on(y, x - 1) | on(y - 1, x - 1) << 1 | on(y - 1, x) << 2 | on(y - 1, x + 1) << 3
                bits += models.code(on(y, x) == 1, context)
            }
        }
        return bits
    }

    /// Bits to code an image of levels 0...`maxLevel`, (C, H, W), plane by plane.
    static func grayCodeLength(_ v: ArraySlice<UInt8>, channels C: Int, height H: Int, width W: Int,
                               maxLevel: Int) -> Double {
        let activityContexts = 8
        let exponents = max(1, Int(log2(Double(max(maxLevel, 1)))) + 1)   // magnitudes 1...maxLevel: exponents 0..<this
        var zero = BitModels(contexts: C * activityContexts), sign = BitModels(contexts: C * activityContexts)
        var exponent = BitModels(contexts: C * activityContexts * exponents)
        var mantissa = BitModels(contexts: C * exponents * exponents)
        var bits = 0.0
        let base = v.startIndex
        for c in 0..<C {
            let plane = base + c * H * W
            func at(_ y: Int, _ x: Int) -> Int { Int(v[plane + y * W + x]) }
            for y in 0..<H {
                for x in 0..<W {
                    // Neighbours, replicated across the edges (the first pixel predicts 0).
                    let west = x > 0 ? at(y, x - 1) : (y > 0 ? at(y - 1, x) : 0)
                    let north = y > 0 ? at(y - 1, x) : west
                    let northWest = y > 0 && x > 0 ? at(y - 1, x - 1) : north
                    let northEast = y > 0 && x + 1 < W ? at(y - 1, x + 1) : north
                    let predicted = northWest >= max(west, north) ? min(west, north)
                        : northWest <= min(west, north) ? max(west, north) : west + north - northWest
                    let activity = abs(west - northWest) + abs(north - northWest) + abs(north - northEast)
                    let q = c * activityContexts
                        + min(activityContexts - 1, activity == 0 ? 0 : 1 + Int(log2(Double(activity))))
                    let residual = at(y, x) - predicted
                    bits += zero.code(residual == 0, q)
                    guard residual != 0 else { continue }
                    bits += sign.code(residual > 0, q)
                    let magnitude = abs(residual)
                    let e = Int(log2(Double(magnitude)))                  // 2^e <= magnitude < 2^(e+1)
                    for i in 0..<e { bits += exponent.code(true, q * exponents + i) }
                    if e < exponents - 1 { bits += exponent.code(false, q * exponents + e) }
                    for i in stride(from: e - 1, through: 0, by: -1) {
                        bits += mantissa.code((magnitude >> i) & 1 == 1, (c * exponents + e) * exponents + i)
                    }
                }
            }
        }
        return bits
    }
}
