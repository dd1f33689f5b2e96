// The per-location normalisations of the Locally Masked PixelCNN (SPEC section 4), on (C, B, H, W) activations.
// Legend: C channels, N = B*H*W locations, HW = H*W.

/// Which normalisation the network applies after its convolutions.
public enum Normalization: String, Codable, Sendable, CaseIterable {
    /// Positional normalisation: per location, over channels, (x − mean) / sqrt(unbiased var + 1e-5).
    case pono
    /// Divide each location by the number of kernel taps its mask lets through.
    case orderRescale = "order_rescale"
    /// Weight-normalise every locally masked convolution; no activation normalisation.
    case weightNorm = "weight_norm"
    /// Nothing.
    case none
}

/// What a normalisation's backward needs.
public enum NormalizationCache {
    case identity
    case pono(normalized: Tensor, inverseStd: [Float])   // x̂ (C, B, H, W), s (N)
    case rescale(inverseCounts: [Float])                 // (HW)
}

/// Applies `normalization` to x (C, B, H, W); `mask` (KK, HW) is used by order_rescale only.
public func normalizationForward(_ normalization: Normalization, _ x: Tensor, mask: Tensor) -> (Tensor, NormalizationCache) {
    switch normalization {
    case .none, .weightNorm:
        return (x, .identity)
    case .pono:
        return ponoForward(x)
    case .orderRescale:
        let (KK, HW) = (mask.shape[0], mask.shape[1])
        var inverse = [Float](repeating: 0, count: HW)
        for q in 0..<HW {
            var sum: Float = 0
            for j in 0..<KK { sum += mask.scalars[j * HW + q] }
            inverse[q] = 1 / sum
        }
        return (scaleLocations(x, by: inverse), .rescale(inverseCounts: inverse))
    }
}

/// The backward of ``normalizationForward(_:_:mask:)``.
public func normalizationBackward(_ dOutput: Tensor, cache: NormalizationCache) -> Tensor {
    switch cache {
    case .identity: return dOutput
    case .pono(let normalized, let inverseStd): return ponoBackward(dOutput, normalized: normalized, inverseStd: inverseStd)
    case .rescale(let inverse): return scaleLocations(dOutput, by: inverse)
    }
}

/// y[:, b, q] = x[:, b, q] * factor[q].
private func scaleLocations(_ x: Tensor, by factor: [Float]) -> Tensor {
    var y = x
    let HW = factor.count
    y.withUnsafeMutableBufferPointer { y in
        let y = y.baseAddress!
        parallelFor(x.count / HW, minimumChunk: 1) { rows in
            for row in rows { for q in 0..<HW { y[row * HW + q] *= factor[q] } }
        }
    }
    return y
}

/// PONO forward. Loops run over locations in the inner loop (contiguous) and channels in the outer one.
func ponoForward(_ x: Tensor) -> (Tensor, NormalizationCache) {
    let C = x.shape[0], N = x.count / C
    var y = Tensor(uninitializedShape: x.shape)
    var inverseStd = [Float](repeating: 0, count: N)
    x.withUnsafeBufferPointer { x in
        y.withUnsafeMutableBufferPointer { y in
            inverseStd.withUnsafeMutableBufferPointer { s in
                let x = x.baseAddress!, y = y.baseAddress!, s = s.baseAddress!
                parallelFor(N, minimumChunk: 256) { range in
                    var mean = [Float](repeating: 0, count: range.count)
                    var variance = [Float](repeating: 0, count: range.count)
                    for c in 0..<C {
                        let row = x + c * N + range.lowerBound
                        for i in 0..<range.count { mean[i] += row[i] }
                    }
                    for i in 0..<range.count { mean[i] /= Float(C) }
                    for c in 0..<C {
                        let row = x + c * N + range.lowerBound
                        for i in 0..<range.count { let d = row[i] - mean[i]; variance[i] += d * d }
                    }
                    for i in 0..<range.count { s[range.lowerBound + i] = 1 / (variance[i] / Float(C - 1) + 1e-5).squareRoot() }
                    for c in 0..<C {
                        let row = x + c * N + range.lowerBound, out = y + c * N + range.lowerBound
                        for i in 0..<range.count { out[i] = (row[i] - mean[i]) * s[range.lowerBound + i] }
                    }
                }
            }
        }
    }
    return (y, .pono(normalized: y, inverseStd: inverseStd))
}

/// PONO backward: dx = s (dy − mean(dy) − x̂ Σ(dy x̂) / (C − 1)).
func ponoBackward(_ dOutput: Tensor, normalized: Tensor, inverseStd: [Float]) -> Tensor {
    let C = dOutput.shape[0], N = dOutput.count / C
    var dx = Tensor(uninitializedShape: dOutput.shape)
    dOutput.withUnsafeBufferPointer { dy in
        normalized.withUnsafeBufferPointer { xh in
            dx.withUnsafeMutableBufferPointer { dx in
                let dy = dy.baseAddress!, xh = xh.baseAddress!, dx = dx.baseAddress!
                parallelFor(N, minimumChunk: 256) { range in
                    var meanDy = [Float](repeating: 0, count: range.count)
                    var dotDyXh = [Float](repeating: 0, count: range.count)
                    for c in 0..<C {
                        let g = dy + c * N + range.lowerBound, h = xh + c * N + range.lowerBound
                        for i in 0..<range.count { meanDy[i] += g[i]; dotDyXh[i] += g[i] * h[i] }
                    }
                    for i in 0..<range.count { meanDy[i] /= Float(C); dotDyXh[i] /= Float(C - 1) }
                    for c in 0..<C {
                        let g = dy + c * N + range.lowerBound, h = xh + c * N + range.lowerBound
                        let out = dx + c * N + range.lowerBound
                        for i in 0..<range.count {
                            out[i] = inverseStd[range.lowerBound + i] * (g[i] - meanDy[i] - h[i] * dotDyXh[i])
                        }
                    }
                }
            }
        }
    }
    return dx
}

// MARK: - One location at a time (the incremental machinery's step)

/// Applies `normalization` in place to the first `channels` rows of y (·, nb): the features of nb images at one
/// location q. `inverseCount` is 1 / (taps the mask lets through at q), order_rescale's factor; `statistics` is
/// scratch for 2*nb floats. Sums run over the channels in channel order, as ``ponoForward(_:)`` does, so a step
/// reproduces the full pass. On the calling thread.
@inline(__always)
public func normalizationStep(_ normalization: Normalization, _ y: UnsafeMutablePointer<Float>, channels C: Int, nb: Int,
                       inverseCount: Float, statistics: UnsafeMutablePointer<Float>) {
    switch normalization {
    case .none, .weightNorm:
        return
    case .orderRescale:
        for i in 0..<(C * nb) { y[i] *= inverseCount }
    case .pono:
        let mean = statistics, scale = statistics + nb
        mean.update(repeating: 0, count: nb)
        scale.update(repeating: 0, count: nb)
        for c in 0..<C { let row = y + c * nb; for i in 0..<nb { mean[i] += row[i] } }
        for i in 0..<nb { mean[i] /= Float(C) }
        for c in 0..<C { let row = y + c * nb; for i in 0..<nb { let d = row[i] - mean[i]; scale[i] += d * d } }
        for i in 0..<nb { scale[i] = 1 / (scale[i] / Float(C - 1) + 1e-5).squareRoot() }
        for c in 0..<C { let row = y + c * nb; for i in 0..<nb { row[i] = (row[i] - mean[i]) * scale[i] } }
    }
}
