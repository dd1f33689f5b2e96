// Kernel masks of SPEC section 2: which taps of each pixel's k x k window may see already generated pixels.

/// The kernel mask of `order` for a k x k kernel with the given dilation: a Tensor of shape [k*k, H*W] whose row
/// jr*k + jc is the tap (dr, dc) = (jr - k/2, jc - k/2) and whose column is the row-major pixel index r*W + c.
/// Entry 1 means the tap at (r + dr*d, c + dc*d) is already known when (r, c) is generated: observed, or earlier in
/// the order (never outside the image). `observed` (count H*W, row-major) marks pixels known before generation starts.
/// Throws for an even or non-positive kernel size, a non-positive dilation or an `observed` of the wrong size.
public func kernelMask(order: GenerationOrder, kernelSize k: Int, dilation d: Int, type: MaskType,
                       observed: [Bool]? = nil) throws -> Tensor {
    guard k > 0, k % 2 == 1 else {
        throw LMConvError.invalidConfiguration(reason: "kernel size must be odd and positive, got \(k)")
    }
    guard d > 0 else { throw LMConvError.invalidConfiguration(reason: "dilation must be positive, got \(d)") }
    let (h, w) = (order.height, order.width)
    let pixelCount = h * w
    if let observed, observed.count != pixelCount {
        throw LMConvError.shapeMismatch(reason: "observed-pixel map has \(observed.count) entries, the \(h)x\(w) image has \(pixelCount)")
    }
    let half = k / 2
    let centre = half * k + half
    var generated = observed ?? [Bool](repeating: false, count: pixelCount)  // [H*W] row-major
    var mask = [Float](repeating: 0, count: k * k * pixelCount)           // [k*k, H*W]
    for pixel in order.pixels {
        let q = pixel.row * w + pixel.col
        for jr in 0..<k {
            let r = pixel.row + (jr - half) * d
            guard r >= 0 && r < h else { continue }
            for jc in 0..<k {
                let c = pixel.col + (jc - half) * d
                guard c >= 0 && c < w, jr * k + jc != centre else { continue }
                if generated[r * w + c] { mask[(jr * k + jc) * pixelCount + q] = 1 }
            }
        }
        // The centre is set by the type alone, even for an observed pixel.
        if type == .b { mask[centre * pixelCount + q] = 1 }
        generated[q] = true
    }
    return Tensor(shape: [k * k, pixelCount], scalars: mask)
}
