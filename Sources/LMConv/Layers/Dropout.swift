// Channel-wise dropout: every (channel, image) plane is kept with probability 1 − p and scaled by 1 / (1 − p),
// or zeroed. Off (the identity) when p = 0 or outside training.

/// The kept/zeroed scale of every (channel, image) plane, (C, B).
public struct DropoutMask {
    let scales: [Float]       // (C*B)
    let planeSize: Int        // H*W
}

/// Dropout's random numbers: one generator per image of the batch, each drawn from in network order (block by
/// block, channel by channel), so an image's masks never depend on which other images share its batch or rank.
public struct DropoutGenerators: Sendable {
    /// (B) generators.
    public var perImage: [Xoshiro256]

    public init(perImage: [Xoshiro256]) { self.perImage = perImage }

    /// `count` generators derived from one seed (for callers without per-image keys).
    public init(seed: UInt64, count: Int) {
        perImage = (0..<count).map { Xoshiro256(seed: seed, purpose: .dropout, step: 0, image: $0) }
    }
}

/// Draws a channel-wise dropout mask for activations of shape (C, B, H, W), or nil when p = 0; plane (c, b) from
/// image b's generator.
func drawDropoutMask(shape: [Int], probability p: Float, using rngs: inout DropoutGenerators) -> DropoutMask? {
    guard p > 0 else { return nil }
    let (C, B) = (shape[0], shape[1])
    precondition(rngs.perImage.count == B, "\(rngs.perImage.count) dropout generators for a batch of \(B)")
    let keep = 1 / (1 - p)
    var scales = [Float](repeating: 0, count: C * B)
    for b in 0..<B { for c in 0..<C { scales[c * B + b] = rngs.perImage[b].nextUniform() < p ? 0 : keep } }
    return DropoutMask(scales: scales, planeSize: shape[2] * shape[3])
}

/// Multiplies every plane by its scale (forward and backward are the same operation).
func applyDropout(_ x: inout Tensor, _ mask: DropoutMask?) {
    guard let mask else { return }
    x.withUnsafeMutableBufferPointer { x in
        for plane in 0..<mask.scales.count {
            let s = mask.scales[plane]
            for i in 0..<mask.planeSize { x[plane * mask.planeSize + i] *= s }
        }
    }
}
