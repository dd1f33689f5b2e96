// Masked im2col and its adjoint (masked col2im), side by side.
//
// Legend: C input channels, B batch, H rows, W cols, K kernel size, D dilation, KK = K*K, HW = H*W, N = B*HW.
// Activations are channel-major over the whole batch, (C, B, H, W), so one layer is one GEMM:
//   columns (C*KK, N) = im2col(input (C, B, H, W)), with column q of image b multiplied by mask[j, q].
// Padding is zero and "same": a kernel tap that falls outside the image reads 0.

/// Where kernel tap `j` of a K x K kernel with dilation D lands relative to the centre pixel.
@inline(__always)
func tapOffset(_ j: Int, kernelSize k: Int, dilation d: Int) -> (dr: Int, dc: Int) {
    ((j / k - k / 2) * d, (j % k - k / 2) * d)
}

/// The columns of a locally masked convolution: `columns[ci*KK + j, b*HW + r*W + c] =
/// input[ci, b, r + dr_j, c + dc_j] * mask[j, r*W + c]` (0 outside the image).
///
/// - Parameters:
///   - columns: output, (C*KK, B*H*W), fully overwritten.
///   - input: (C, B, H, W).
///   - mask: (KK, H*W), the same for every channel and image.
public func maskedIm2col(
    columns: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, mask: UnsafePointer<Float>,
    channels C: Int, batch B: Int, height H: Int, width W: Int, kernelSize K: Int, dilation D: Int
) {
    let KK = K * K, N = B * H * W
    // One task per (channel, tap) row: rows are independent and each is a long contiguous write.
    parallelFor(C * KK, minimumChunk: Swift.max(1, 4096 / Swift.max(1, N))) { rows in
        im2colRows(rows, columns: columns, columnStride: N, input: input, channelStride: N, images: B, mask: mask,
                   height: H, width: W, kernelSize: K, dilation: D)
    }
}

/// Rows `rows` of the masked columns of `images` consecutive images, on the calling thread.
///
/// - Parameters:
///   - columns: (C*KK, columnStride); row `row` gets images * H * W values.
///   - input: the first image's channel 0; channel ci of image b starts at `input + ci * channelStride + b * HW`.
@inline(__always)
public func im2colRows(
    _ rows: Range<Int>, columns: UnsafeMutablePointer<Float>, columnStride: Int, input: UnsafePointer<Float>,
    channelStride: Int, images: Int, mask: UnsafePointer<Float>, height H: Int, width W: Int, kernelSize K: Int,
    dilation D: Int
) {
    let KK = K * K, HW = H * W
    for row in rows {
        let ci = row / KK, j = row % KK
        let (dr, dc) = tapOffset(j, kernelSize: K, dilation: D)
        // The output columns c whose source column c + dc is inside the image.
        let cLo = Swift.max(0, -dc), cHi = Swift.min(W, W - dc)
        let maskRow = mask + j * HW
        for b in 0..<images {
            let src = input + ci * channelStride + b * HW
            let dst = columns + row * columnStride + b * HW
            for r in 0..<H {
                let out = dst + r * W
                let sr = r + dr
                if sr < 0 || sr >= H || cLo >= cHi {
                    out.update(repeating: 0, count: W)
                    continue
                }
                let srcRow = src + sr * W + dc
                let m = maskRow + r * W
                for c in 0..<cLo { out[c] = 0 }
                for c in cLo..<cHi { out[c] = srcRow[c] * m[c] }
                for c in cHi..<W { out[c] = 0 }
            }
        }
    }
}

/// The adjoint of ``maskedIm2col(columns:input:mask:channels:batch:height:width:kernelSize:dilation:)``:
/// `dInput[ci, b, r + dr_j, c + dc_j] += dColumns[ci*KK + j, b*HW + r*W + c] * mask[j, r*W + c]`.
///
/// - Parameters:
///   - dInput: (C, B, H, W), accumulated into (`+=`).
///   - dColumns: (C*KK, B*H*W).
///   - mask: (KK, H*W).
public func maskedCol2im(
    dInput: UnsafeMutablePointer<Float>, dColumns: UnsafePointer<Float>, mask: UnsafePointer<Float>,
    channels C: Int, batch B: Int, height H: Int, width W: Int, kernelSize K: Int, dilation D: Int
) {
    let N = B * H * W
    // One task per channel: every write of a channel lands in its own slice of dInput, so there are no races.
    parallelFor(C, minimumChunk: 1) { channels in
        col2imChannels(channels, dInput: dInput, channelStride: N, dColumns: dColumns, columnStride: N, images: B,
                       mask: mask, height: H, width: W, kernelSize: K, dilation: D)
    }
}

/// Channels `channels` of the adjoint of ``im2colRows(_:columns:columnStride:input:channelStride:images:mask:height:width:kernelSize:dilation:)``
/// for `images` consecutive images, on the calling thread (same strides).
@inline(__always)
public func col2imChannels(
    _ channels: Range<Int>, dInput: UnsafeMutablePointer<Float>, channelStride: Int, dColumns: UnsafePointer<Float>,
    columnStride: Int, images: Int, mask: UnsafePointer<Float>, height H: Int, width W: Int, kernelSize K: Int,
    dilation D: Int
) {
    let KK = K * K, HW = H * W
    for ci in channels {
        for j in 0..<KK {
            let (dr, dc) = tapOffset(j, kernelSize: K, dilation: D)
            let cLo = Swift.max(0, -dc), cHi = Swift.min(W, W - dc)
            if cLo >= cHi { continue }
            let maskRow = mask + j * HW
            for b in 0..<images {
                let src = dColumns + (ci * KK + j) * columnStride + b * HW
                let dst = dInput + ci * channelStride + b * HW
                for r in 0..<H {
                    let sr = r + dr
                    if sr < 0 || sr >= H { continue }
                    let g = src + r * W
                    let m = maskRow + r * W
                    let out = dst + sr * W + dc
                    for c in cLo..<cHi { out[c] += g[c] * m[c] }
                }
            }
        }
    }
}

/// The plain, index-by-index version of masked im2col that the fast one is tested against.
public func referenceMaskedIm2col(
    columns: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, mask: UnsafePointer<Float>,
    channels C: Int, batch B: Int, height H: Int, width W: Int, kernelSize K: Int, dilation D: Int
) {
    let KK = K * K, HW = H * W, N = B * HW
    for ci in 0..<C { for j in 0..<KK { for b in 0..<B { for r in 0..<H { for c in 0..<W {
        let sr = r + (j / K - K / 2) * D, sc = c + (j % K - K / 2) * D
        let inside = sr >= 0 && sr < H && sc >= 0 && sc < W
        let value = inside ? input[(ci * B + b) * HW + sr * W + sc] : 0
        columns[(ci * KK + j) * N + b * HW + r * W + c] = value * mask[j * HW + r * W + c]
    } } } } }
}

/// The plain version of masked col2im.
public func referenceMaskedCol2im(
    dInput: UnsafeMutablePointer<Float>, dColumns: UnsafePointer<Float>, mask: UnsafePointer<Float>,
    channels C: Int, batch B: Int, height H: Int, width W: Int, kernelSize K: Int, dilation D: Int
) {
    let KK = K * K, HW = H * W, N = B * HW
    for ci in 0..<C { for j in 0..<KK { for b in 0..<B { for r in 0..<H { for c in 0..<W {
        let sr = r + (j / K - K / 2) * D, sc = c + (j % K - K / 2) * D
        guard sr >= 0 && sr < H && sc >= 0 && sc < W else { continue }
        dInput[(ci * B + b) * HW + sr * W + sc] +=
            dColumns[(ci * KK + j) * N + b * HW + r * W + c] * mask[j * HW + r * W + c]
    } } } } }
}
