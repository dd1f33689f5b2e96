// Channel-wise dropout: every (channel, image) plane is kept with probability 1 − p and scaled by 1 / (1 − p),
// or zeroed. Off (the identity) when p = 0 or outside training.

/// The kept/zeroed scale of every (channel, image) plane, (C, B).
public struct DropoutMask {
    let scales: [Float]       // (C*B)
    let planeSize: Int        // H*W
}

/// Draws a channel-wise dropout mask for activations of shape (C, B, H, W), or nil when p = 0.
func drawDropoutMask(shape: [Int], probability p: Float, using rng: inout Xoshiro256) -> DropoutMask? {
    guard p > 0 else { return nil }
    let planes = shape[0] * shape[1]
    let keep = 1 / (1 - p)
    let scales = (0..<planes).map { _ in rng.nextUniform() < p ? 0 : keep }
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
