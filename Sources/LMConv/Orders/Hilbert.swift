// The Hilbert curve as the reference computes it: the `hilbertcurve` Python package's
// `point_from_distance` (John Skilling's transpose algorithm) in 2 dimensions.

extension GenerationOrder {
    /// The Hilbert curve of order log2(side) over a square, power-of-two image. Step d visits the point (x, y)
    /// that `hilbertcurve` returns for distance d, used as (row = y, col = x). Throws for any other image size.
    public static func hilbert(height: Int, width: Int) throws -> GenerationOrder {
        try checkSize(height: height, width: width)
        guard height == width else {
            throw LMConvError.invalidArgument(reason: "the hilbert order needs a square image, got \(height)x\(width)")
        }
        guard height & (height - 1) == 0 else {
            throw LMConvError.invalidArgument(reason: "the hilbert order needs a power-of-two image side, got \(height)x\(width)")
        }
        let bits = height.trailingZeroBitCount  // the curve's order p
        let pixels = (0..<(height * width)).map { d -> PixelCoordinate in
            let (x, y) = hilbertPoint(distance: d, bits: bits)
            return PixelCoordinate(row: y, col: x)
        }
        return GenerationOrder(unchecked: height, width, pixels)
    }
}

/// Skilling's transpose algorithm for n = 2 dimensions and `bits` bits per coordinate: the point at `distance`.
func hilbertPoint(distance: Int, bits: Int) -> (x: Int, y: Int) {
    // Transpose: the distance's 2*bits bits, most significant first, dealt alternately to x[0] and x[1].
    var x = [0, 0]
    for i in 0..<(2 * bits) {
        let bit = (distance >> (2 * bits - 1 - i)) & 1
        x[i % 2] = x[i % 2] << 1 | bit
    }
    // Gray decode by H ^ (H/2).
    let t = x[1] >> 1
    x[1] ^= x[0]
    x[0] ^= t
    // Undo excess work.
    var q = 2
    while q < 1 << bits {
        let p = q - 1
        for i in stride(from: 1, through: 0, by: -1) {
            if x[i] & q != 0 {
                x[0] ^= p  // invert
            } else {
                let swap = (x[0] ^ x[i]) & p  // exchange
                x[0] ^= swap
                x[i] ^= swap
            }
        }
        q <<= 1
    }
    return (x[0], x[1])
}
