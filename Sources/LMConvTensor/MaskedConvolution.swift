// Locally masked convolution kernels that tile the batch by images: each core takes whole images, writes their masked
// columns into its own scratch (a few MB, so they stay in cache), and multiplies them at once with single-threaded
// GEMMs. Compared with one im2col over the whole batch followed by one big GEMM, the columns never make a round trip
// through main memory, and col2im of different images never writes the same place, so no locks are needed.
//
// Legend: C input channels, OC output channels, B batch, HW = H*W, KK = K*K, N = B*HW, CKK = C*KK.
// Layouts: input (C, B, H, W); output (OC, B, H, W); weight (OC, CKK); mask (KK, HW).

/// Images per tile: enough columns for an efficient GEMM (about 1024), and at least two tiles when the batch has two
/// images, so two cores share the work. Fixed by the shapes alone, never by the thread budget: each image's columns
/// are then multiplied the same way on any number of threads.
@inline(__always)
func imagesPerTile(batch B: Int, pixels HW: Int) -> Int {
    Swift.max(1, Swift.min((B + 1) / 2, (1024 + HW - 1) / HW))
}

/// Y (OC, N) += Wt (OC, CKK) @ maskedIm2col(X), tiled by images over the thread budget (parallelises).
/// `output` holds the bias terms.
public func maskedConvolutionForward(
    output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    mask: UnsafePointer<Float>, channels C: Int, outputChannels OC: Int, batch B: Int, height H: Int, width W: Int,
    kernelSize K: Int, dilation D: Int
) {
    let HW = H * W, N = B * HW, CKK = C * K * K
    let perTile = imagesPerTile(batch: B, pixels: HW)
    let tiles = (B + perTile - 1) / perTile
    parallelFor(tiles, minimumChunk: 1) { tileRange in
        let columns = Workspace.current.scratch(.columns, count: CKK * perTile * HW)   // (CKK, T*HW)
        for tile in tileRange {
            let b0 = tile * perTile, T = Swift.min(perTile, B - b0), cols = T * HW
            im2colRows(0..<CKK, columns: columns, columnStride: cols, input: input + b0 * HW, channelStride: N,
                       images: T, mask: mask, height: H, width: W, kernelSize: K, dilation: D)
            singleThreadedGEMM(transposeA: .none, transposeB: .none, m: OC, n: cols, k: CKK, alpha: 1, a: weight,
                               lda: CKK, b: columns, ldb: cols, beta: 1, c: output + b0 * HW, ldc: N)
        }
    }
}

/// The backward of ``maskedConvolutionForward(output:input:weight:mask:channels:outputChannels:batch:height:width:kernelSize:dilation:)``:
/// dWt (OC, CKK) = Σ_tiles dY Uᵀ (overwritten) and dX (C, B, H, W) += col2im(Wtᵀ dY), recomputing U per tile.
public func maskedConvolutionBackward(
    dInput: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
    input: UnsafePointer<Float>, weight: UnsafePointer<Float>, mask: UnsafePointer<Float>, channels C: Int,
    outputChannels OC: Int, batch B: Int, height H: Int, width W: Int, kernelSize K: Int, dilation D: Int
) {
    let HW = H * W, N = B * HW, CKK = C * K * K
    let perTile = imagesPerTile(batch: B, pixels: HW)
    let tiles = (B + perTile - 1) / perTile
    // dW partials for a fixed number of groups of tiles (tile t in group t % groups, accumulated in tile order), summed
    // in group order at the end: the same sums whatever the thread budget, which only decides who runs which group.
    let groups = Swift.min(tiles, 8)
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: groups * OC * CKK)
    partials.initialize(repeating: 0, count: groups * OC * CKK)
    defer { partials.deallocate() }
    parallelFor(groups, minimumChunk: 1) { groupRange in
        let workspace = Workspace.current
        let columns = workspace.scratch(.columns, count: CKK * perTile * HW)     // U (CKK, T*HW)
        let dColumns = workspace.scratch(.gradient, count: CKK * perTile * HW)   // dU (CKK, T*HW)
        for group in groupRange {
            let dW = partials + group * OC * CKK
            for tile in stride(from: group, to: tiles, by: groups) {
                let b0 = tile * perTile, T = Swift.min(perTile, B - b0), cols = T * HW
                im2colRows(0..<CKK, columns: columns, columnStride: cols, input: input + b0 * HW, channelStride: N,
                           images: T, mask: mask, height: H, width: W, kernelSize: K, dilation: D)
                let dY = dOutput + b0 * HW                                                   // (OC, cols), ld N
                singleThreadedGEMM(transposeA: .none, transposeB: .transposed, m: OC, n: CKK, k: cols, alpha: 1,
                                   a: dY, lda: N, b: columns, ldb: cols, beta: 1, c: dW, ldc: CKK)
                singleThreadedGEMM(transposeA: .transposed, transposeB: .none, m: CKK, n: cols, k: OC, alpha: 1,
                                   a: weight, lda: CKK, b: dY, ldb: N, beta: 0, c: dColumns, ldc: cols)
                col2imChannels(0..<C, dInput: dInput + b0 * HW, channelStride: N, dColumns: dColumns,
                               columnStride: cols, images: T, mask: mask, height: H, width: W, kernelSize: K,
                               dilation: D)
            }
        }
    }
    dWeight.initialize(repeating: 0, count: OC * CKK)
    for group in 0..<groups {
        let p = partials + group * OC * CKK
        for i in 0..<(OC * CKK) { dWeight[i] += p[i] }
    }
}
