// The forward and backward passes of a locally masked convolution that skip the taps the masks close (SPEC section 3).
//
// A generation order gives every location its own mask, yet the masks of one image row open few distinct taps: along
// an S-curve a row going right sees its west and northern neighbours generated, a row going left its east and
// northern ones. The rows are grouped by the taps their masks open anywhere in the row; each group is then one GEMM
// whose inner dimension holds only those taps (the columns still carry each location's own mask value, so a tap open
// at some locations of the row and closed at others is exact). The full-column kernels (MaskedConvolution.swift)
// multiply every closed tap by zero. With the causal 3x3 masks of the S-curve's 28x28 orders, the rows open 43-54% of
// the taps (the 4 transposed variants, whose rows cross columns going both ways, 54-65%). Whole rows keep the gathers
// and the adds back long and contiguous.
//
// Legend: C input channels, OC output channels, B batch, H rows, W cols, HW = H*W, N = B*HW, KK = K*K; for a group,
// A open taps and R rows (L = R*W locations). Layouts: input (C, B, H, W); output (OC, B, H, W); weight (OC, C*KK);
// mask (KK, HW).

/// The rows of a mask (KK, HW) grouped by the taps their masks open (nonzero anywhere in the row).
public struct OpenTapRowGroups: Sendable {
    /// Rows whose masks open the same taps.
    public struct Group: Sendable {
        /// The taps open somewhere in these rows, ascending: indices into the K*K kernel.
        public let taps: [Int]
        /// The rows, ascending.
        public let rows: [Int]
        /// Per open tap and row, (A, R): the mask value shared by the whole row (nil when it varies along it), so that
        /// most rows are gathered without reading the mask.
        public let rowValues: [Float?]
    }

    /// The groups with at least one open tap, in the order of their first row.
    public let groups: [Group]
    /// Open taps summed over the rows, against KK*H: the fraction of the full-column kernel's work left.
    public let openFraction: Double

    /// Groups the H rows of `mask` (KK, H*W).
    public init(mask: UnsafePointer<Float>, taps KK: Int, height H: Int, width W: Int) {
        let HW = H * W
        var index: [[Bool]: Int] = [:]
        var taps: [[Int]] = [], rows: [[Int]] = []
        var open = 0
        for r in 0..<H {
            let key = (0..<KK).map { j in (0..<W).contains { mask[j * HW + r * W + $0] != 0 } }
            let opened = (0..<KK).filter { key[$0] }
            open += opened.count
            guard !opened.isEmpty else { continue }
            if let g = index[key] {
                rows[g].append(r)
            } else {
                index[key] = taps.count
                taps.append(opened)
                rows.append([r])
            }
        }
        groups = taps.indices.map { g in
            let values = taps[g].flatMap { j in
                rows[g].map { r -> Float? in
                    let row = mask + j * HW + r * W
                    return (1..<W).allSatisfy { row[$0] == row[0] } ? row[0] : nil
                }
            }
            return Group(taps: taps[g], rows: rows[g], rowValues: values)
        }
        openFraction = H == 0 || KK == 0 ? 0 : Double(open) / Double(KK * H)
    }
}

/// Y (OC, N) += Wt (OC, C*KK) @ maskedIm2col(X), the same sum as
/// ``maskedConvolutionForward(output:input:weight:mask:channels:outputChannels:batch:height:width:kernelSize:dilation:)``
/// without the taps the masks close: per tile of images and per row group, the columns of the group's open taps
/// (masked as usual), one GEMM into scratch, and the product added back at the group's rows. Tiled by images over the
/// thread budget as that kernel is, by the shapes alone, so the result does not depend on the number of threads.
/// `output` holds the bias terms.
public func openTapConvolutionForward(
    output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    mask: UnsafePointer<Float>, groups: OpenTapRowGroups, channels C: Int, outputChannels OC: Int, batch B: Int,
    height H: Int, width W: Int, kernelSize K: Int, dilation D: Int
) {
    let HW = H * W, N = B * HW, KK = K * K
    let perTile = imagesPerTile(batch: B, pixels: HW)
    let tiles = (B + perTile - 1) / perTile
    // Each group's weight (OC, C*A) over its open taps, the groups one after another.
    var weightOffsets: [Int] = [], weights: [Float] = []
    for group in groups.groups {
        let A = group.taps.count
        weightOffsets.append(weights.count)
        for o in 0..<OC { for c in 0..<C { for a in 0..<A {
            weights.append(weight[o * C * KK + c * KK + group.taps[a]])
        } } }
    }
    let largestColumns = groups.groups.reduce(0) { Swift.max($0, $1.taps.count * $1.rows.count * W) }
    let largestGroup = groups.groups.reduce(0) { Swift.max($0, $1.rows.count * W) }
    weights.withUnsafeBufferPointer { weights in
        let weights = weights.baseAddress!
        parallelFor(tiles, minimumChunk: 1) { tileRange in
            let workspace = Workspace.current
            let columns = workspace.scratch(.columns, count: C * largestColumns * perTile)   // (C*A, T*L)
            let product = workspace.scratch(.auxiliary, count: OC * largestGroup * perTile)  // (OC, T*L)
            for tile in tileRange {
                let b0 = tile * perTile, T = Swift.min(perTile, B - b0)
                for (g, group) in groups.groups.enumerated() {
                    let A = group.taps.count, L = group.rows.count * W, n = T * L
                    gatherOpenTapColumns(columns, group: group, input: input, mask: mask, channels: C, batch: B,
                                         firstImage: b0, images: T, height: H, width: W, kernelSize: K, dilation: D)
                    singleThreadedGEMM(transposeA: .none, transposeB: .none, m: OC, n: n, k: C * A, alpha: 1,
                                       a: weights + weightOffsets[g], lda: C * A, b: columns, ldb: n, beta: 0,
                                       c: product, ldc: n)
                    // Y[o, b0 + t, row_i, :] += product[o, t*L + i*W ..< +W]
                    for o in 0..<OC {
                        for t in 0..<T {
                            let y = output + o * N + (b0 + t) * HW, z = product + o * n + t * L
                            for (i, r) in group.rows.enumerated() {
                                let to = y + r * W, from = z + i * W
                                for col in 0..<W { to[col] += from[col] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The backward of ``openTapConvolutionForward(output:input:weight:mask:groups:channels:outputChannels:batch:height:width:kernelSize:dilation:)``,
/// the same sums as
/// ``maskedConvolutionBackward(dInput:dWeight:dOutput:input:weight:mask:channels:outputChannels:batch:height:width:kernelSize:dilation:)``
/// without the closed taps: dWt (OC, C*KK) overwritten (zero at taps no row opens) and dX (C, B, H, W) accumulated.
/// Per tile and row group: the group's columns U (C*A, T*L) recomputed, its rows of dY gathered, dWt's open taps +=
/// dY Uᵀ and dX += col2im(Wtᵀ dY). dWt sums tiles in a fixed number of groups of tiles, as the full-column backward
/// does, so the result does not depend on the number of threads.
public func openTapConvolutionBackward(
    dInput: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
    input: UnsafePointer<Float>, weight: UnsafePointer<Float>, mask: UnsafePointer<Float>, groups: OpenTapRowGroups,
    channels C: Int, outputChannels OC: Int, batch B: Int, height H: Int, width W: Int, kernelSize K: Int, dilation D: Int
) {
    let HW = H * W, N = B * HW, KK = K * K, CKK = C * KK
    let perTile = imagesPerTile(batch: B, pixels: HW)
    let tiles = (B + perTile - 1) / perTile
    var weightOffsets: [Int] = [], weights: [Float] = []          // each group's Wt (OC, C*A)
    for group in groups.groups {
        weightOffsets.append(weights.count)
        for o in 0..<OC { for c in 0..<C { for tap in group.taps { weights.append(weight[o * CKK + c * KK + tap]) } } }
    }
    let largestColumns = groups.groups.reduce(0) { Swift.max($0, $1.taps.count * $1.rows.count * W) }
    let largestGroup = groups.groups.reduce(0) { Swift.max($0, $1.rows.count * W) }
    let largestWeight = groups.groups.reduce(0) { Swift.max($0, OC * C * $1.taps.count) }
    let tileGroups = Swift.min(tiles, 8)
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: tileGroups * OC * CKK)
    partials.initialize(repeating: 0, count: tileGroups * OC * CKK)
    defer { partials.deallocate() }
    weights.withUnsafeBufferPointer { weights in
        let weights = weights.baseAddress!
        parallelFor(tileGroups, minimumChunk: 1) { tileGroupRange in
            let workspace = Workspace.current
            let columns = workspace.scratch(.columns, count: C * largestColumns * perTile)    // U (C*A, T*L)
            let dColumns = workspace.scratch(.gradient, count: C * largestColumns * perTile)  // dU (C*A, T*L)
            let dY = workspace.scratch(.auxiliary, count: OC * largestGroup * perTile)        // (OC, T*L)
            var dWeightGroup = [Float](repeating: 0, count: largestWeight)                     // (OC, C*A)
            for tileGroup in tileGroupRange {
                let dW = partials + tileGroup * OC * CKK
                for tile in stride(from: tileGroup, to: tiles, by: tileGroups) {
                    let b0 = tile * perTile, T = Swift.min(perTile, B - b0)
                    for (g, group) in groups.groups.enumerated() {
                        let A = group.taps.count, L = group.rows.count * W, n = T * L
                        gatherOpenTapColumns(columns, group: group, input: input, mask: mask, channels: C, batch: B,
                                             firstImage: b0, images: T, height: H, width: W, kernelSize: K,
                                             dilation: D)
                        for o in 0..<OC { for t in 0..<T {
                            let from = dOutput + o * N + (b0 + t) * HW, to = dY + o * n + t * L
                            for (i, r) in group.rows.enumerated() {
                                (to + i * W).update(from: from + r * W, count: W)
                            }
                        } }
                        // dWt's open taps += dY Uᵀ.
                        dWeightGroup.withUnsafeMutableBufferPointer { dWg in
                            singleThreadedGEMM(transposeA: .none, transposeB: .transposed, m: OC, n: C * A, k: n,
                                               alpha: 1, a: dY, lda: n, b: columns, ldb: n, beta: 0,
                                               c: dWg.baseAddress!, ldc: C * A)
                            for o in 0..<OC { for c in 0..<C { for a in 0..<A {
                                dW[o * CKK + c * KK + group.taps[a]] += dWg[(o * C + c) * A + a]
                            } } }
                        }
                        // dU = Wtᵀ dY, then dX += col2im(dU) over the open taps.
                        singleThreadedGEMM(transposeA: .transposed, transposeB: .none, m: C * A, n: n, k: OC,
                                           alpha: 1, a: weights + weightOffsets[g], lda: C * A, b: dY, ldb: n,
                                           beta: 0, c: dColumns, ldc: n)
                        for a in 0..<A {
                            let j = group.taps[a]
                            let (dr, dc) = tapOffset(j, kernelSize: K, dilation: D)
                            let cLo = Swift.max(0, -dc), cHi = Swift.min(W, W - dc)
                            if cLo >= cHi { continue }
                            for c in 0..<C { for t in 0..<T {
                                let dx = dInput + c * N + (b0 + t) * HW
                                let src = dColumns + (c * A + a) * n + t * L
                                for (i, r) in group.rows.enumerated() {
                                    let sr = r + dr
                                    if sr < 0 || sr >= H { continue }
                                    let from = src + i * W, to = dx + sr * W + dc
                                    if let v = group.rowValues[a * group.rows.count + i] {
                                        for col in cLo..<cHi { to[col] += from[col] * v }
                                    } else {
                                        let m = mask + j * HW + r * W
                                        for col in cLo..<cHi { to[col] += from[col] * m[col] }
                                    }
                                }
                            } }
                        }
                    }
                }
            }
        }
    }
    dWeight.initialize(repeating: 0, count: OC * CKK)
    for tileGroup in 0..<tileGroups {
        let p = partials + tileGroup * OC * CKK
        for i in 0..<(OC * CKK) { dWeight[i] += p[i] }
    }
}

/// A row group's masked columns for images firstImage..<firstImage+images: `columns[(c*A + a), t*L + i*W + col] =
/// X[c, firstImage + t, row_i + dr_a, col + dc_a] * M[tap_a, row_i, col]` (0 outside the image), L = R*W.
@inline(__always)
func gatherOpenTapColumns(
    _ columns: UnsafeMutablePointer<Float>, group: OpenTapRowGroups.Group, input: UnsafePointer<Float>,
    mask: UnsafePointer<Float>, channels C: Int, batch B: Int, firstImage b0: Int, images T: Int, height H: Int,
    width W: Int, kernelSize K: Int, dilation D: Int
) {
    let HW = H * W, N = B * HW, A = group.taps.count, L = group.rows.count * W, n = T * L
    for a in 0..<A {
        let j = group.taps[a]
        let (dr, dc) = tapOffset(j, kernelSize: K, dilation: D)
        let cLo = Swift.max(0, -dc), cHi = Swift.max(cLo, Swift.min(W, W - dc))
        for c in 0..<C {
            for t in 0..<T {
                let x = input + c * N + (b0 + t) * HW
                let dst = columns + (c * A + a) * n + t * L
                for (i, r) in group.rows.enumerated() {
                    let out = dst + i * W, sr = r + dr
                    if sr < 0 || sr >= H || cLo >= cHi {
                        out.update(repeating: 0, count: W)
                        continue
                    }
                    let from = x + sr * W + dc
                    for col in 0..<cLo { out[col] = 0 }
                    if let v = group.rowValues[a * group.rows.count + i] {
                        for col in cLo..<cHi { out[col] = from[col] * v }
                    } else {
                        let m = mask + j * HW + r * W
                        for col in cLo..<cHi { out[col] = from[col] * m[col] }
                    }
                    for col in cHi..<W { out[col] = 0 }
                }
            }
        }
    }
}
