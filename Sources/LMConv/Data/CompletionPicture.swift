/// Pictures of completions: one row per image with the masked input, its completions and the original.
public enum CompletionPicture {
    /// The colour that marks hidden pixels in the masked input.
    public static let hiddenColour: [UInt8] = [70, 110, 200]

    /// An RGB grid with one row per image: the image with its hidden pixels painted ``hiddenColour``, then its
    /// `samples` completions, then the original.
    ///
    /// - Parameters:
    ///   - originals: (N, C, H, W) display pixels.
    ///   - completions: (N * samples, C, H, W) display pixels, completion k of image i at index i * samples + k.
    ///   - hidden: row-major H*W flags.
    public static func compose(originals: [UInt8], completions: [UInt8], count N: Int, samples K: Int, channels C: Int,
                               height H: Int, width W: Int, hidden: [Bool], scale: Int = 2,
                               separator: Int = 2) -> RGBImage {
        precondition(originals.count == N * C * H * W && completions.count == N * K * C * H * W && hidden.count == H * W)
        let HW = H * W, columns = K + 2
        var planar = [UInt8](repeating: 0, count: N * columns * 3 * HW)   // (N * columns, 3, H, W)
        func put(_ cell: Int, from source: [UInt8], image: Int, masked: Bool) {
            for c in 0..<3 {
                for q in 0..<HW {
                    let value = masked && hidden[q] ? hiddenColour[c] : source[(image * C + min(c, C - 1)) * HW + q]
                    planar[(cell * 3 + c) * HW + q] = value
                }
            }
        }
        for i in 0..<N {
            put(i * columns, from: originals, image: i, masked: true)
            for k in 0..<K { put(i * columns + 1 + k, from: completions, image: i * K + k, masked: false) }
            put(i * columns + K + 1, from: originals, image: i, masked: false)
        }
        return ImageGrid.compose(pixels: planar, count: N * columns, channels: 3, height: H, width: W, columns: columns,
                                 separator: separator, scale: scale)
    }
}
