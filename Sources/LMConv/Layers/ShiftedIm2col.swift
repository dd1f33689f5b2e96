// im2col and its adjoint for the shifted (asymmetrically padded, strided) convolutions of PixelCNN++, side by side.
//
// Legend: C channels, B batch, KH x KW kernel, s stride, (Hi, Wi) the input grid, (Ho, Wo) the output grid,
// KK = KH*KW, No = B*Ho*Wo. Activations are channel-major, (C, B, H, W), so a layer is one GEMM:
//   columns (C*KK, No) = im2col(input (C, B, Hi, Wi)).
// Output location (i, j), kernel tap (r, c) reads input (i*s − top + r, j*s − left + c); taps outside the input read 0
// (the zero padding of `nn.ZeroPad2d` and of the convolution itself).

/// Where the taps of a shifted convolution land: output (i, j), tap (r, c) reads input (i*s − top + r, j*s − left + c).
///
/// A transposed convolution uses the same geometry the other way round: its small input grid is this geometry's
/// output grid and its large output grid this geometry's input grid.
struct PatchGeometry: Equatable, Sendable {
    let kernelHeight: Int
    let kernelWidth: Int
    let stride: Int
    /// Rows of zero padding above the input (a tap at r = top of output row 0 reads input row 0).
    let top: Int
    /// Columns of zero padding left of the input.
    let left: Int
    let inputHeight: Int
    let inputWidth: Int
    let outputHeight: Int
    let outputWidth: Int

    var taps: Int { kernelHeight * kernelWidth }

    /// The output columns j (a range) whose tap column c reads inside the input: 0 <= j*s − left + c < Wi.
    @inline(__always)
    func validColumns(tap c: Int) -> Range<Int> {
        let offset = c - left                                   // input column = j*s + offset
        let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let hi = inputWidth - offset <= 0 ? 0 : (inputWidth - offset - 1) / stride + 1
        return lo..<Swift.max(lo, Swift.min(outputWidth, hi))
    }
}

/// `columns[ci*KK + r*KW + c, b*Ho*Wo + i*Wo + j] = input[ci, b, i*s − top + r, j*s − left + c]` (0 outside).
///
/// - Parameters:
///   - columns: output, (C*KK, B*Ho*Wo), fully overwritten.
///   - input: (C, B, Hi, Wi).
func patchIm2col(columns: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, channels C: Int, batch B: Int,
                 geometry g: PatchGeometry) {
    let KK = g.taps, HWi = g.inputHeight * g.inputWidth, HWo = g.outputHeight * g.outputWidth, No = B * HWo
    let s = g.stride, Wo = g.outputWidth
    // One task per (channel, tap) row: rows are independent, each a long contiguous write.
    parallelFor(C * KK, minimumChunk: Swift.max(1, 4096 / Swift.max(1, No))) { rows in
        for row in rows {
            let ci = row / KK, r = (row % KK) / g.kernelWidth, c = row % g.kernelWidth
            let valid = g.validColumns(tap: c)
            let colOffset = c - g.left
            for b in 0..<B {
                let src = input + (ci * B + b) * HWi
                let dst = columns + row * No + b * HWo
                for i in 0..<g.outputHeight {
                    let out = dst + i * Wo
                    let sr = i * s - g.top + r
                    guard sr >= 0, sr < g.inputHeight, !valid.isEmpty else {
                        out.update(repeating: 0, count: Wo)
                        continue
                    }
                    let srcRow = src + sr * g.inputWidth + colOffset
                    for j in 0..<valid.lowerBound { out[j] = 0 }
                    for j in valid { out[j] = srcRow[j * s] }
                    for j in valid.upperBound..<Wo { out[j] = 0 }
                }
            }
        }
    }
}

/// The adjoint of ``patchIm2col(columns:input:channels:batch:geometry:)``:
/// `input[ci, b, i*s − top + r, j*s − left + c] += columns[ci*KK + r*KW + c, b*Ho*Wo + i*Wo + j]` (inside only).
///
/// - Parameters:
///   - input: (C, B, Hi, Wi), accumulated into (`+=`).
///   - columns: (C*KK, B*Ho*Wo).
func patchCol2im(input: UnsafeMutablePointer<Float>, columns: UnsafePointer<Float>, channels C: Int, batch B: Int,
                 geometry g: PatchGeometry) {
    let KK = g.taps, HWi = g.inputHeight * g.inputWidth, HWo = g.outputHeight * g.outputWidth, No = B * HWo
    let s = g.stride, Wo = g.outputWidth
    // One task per channel: every write of a channel lands in its own slice of the input, so there are no races.
    parallelFor(C, minimumChunk: 1) { channels in
        for ci in channels {
            for tap in 0..<KK {
                let r = tap / g.kernelWidth, c = tap % g.kernelWidth
                let valid = g.validColumns(tap: c)
                if valid.isEmpty { continue }
                let colOffset = c - g.left
                for b in 0..<B {
                    let src = columns + (ci * KK + tap) * No + b * HWo
                    let dst = input + (ci * B + b) * HWi
                    for i in 0..<g.outputHeight {
                        let sr = i * s - g.top + r
                        if sr < 0 || sr >= g.inputHeight { continue }
                        let col = src + i * Wo
                        let dstRow = dst + sr * g.inputWidth + colOffset
                        for j in valid { dstRow[j * s] += col[j] }
                    }
                }
            }
        }
    }
}
