import LMConvTensor
import TestSupport
import XCTest

/// The image-tiled convolution kernels against the plain composition: reference im2col, then reference GEMM.
final class MaskedConvolutionTests: XCTestCase {
    func random(_ count: Int, _ rng: inout Xoshiro256) -> [Float] { (0..<count).map { _ in rng.nextUniform() * 2 - 1 } }

    func check(C: Int, OC: Int, B: Int, H: Int, W: Int, K: Int, D: Int) {
        var rng = Xoshiro256(seed: UInt64(C * 1000 + B * 100 + K * 10 + D))
        let HW = H * W, N = B * HW, KK = K * K
        let x = random(C * N, &rng), w = random(OC * C * KK, &rng), dy = random(OC * N, &rng)
        let mask = (0..<(KK * HW)).map { _ in Float(rng.next() % 2) }
        let bias = random(OC * N, &rng)
        // Plain: U = im2col(x); Y = bias + W U; dW = dY Uᵀ; dX = col2im(Wᵀ dY).
        var u = [Float](repeating: 0, count: C * KK * N)
        referenceMaskedIm2col(columns: &u, input: x, mask: mask, channels: C, batch: B, height: H, width: W,
                              kernelSize: K, dilation: D)
        var yPlain = bias
        referenceGEMM(transposeA: .none, transposeB: .none, m: OC, n: N, k: C * KK, alpha: 1, a: w, lda: C * KK,
                      b: u, ldb: N, beta: 1, c: &yPlain, ldc: N)
        var dwPlain = [Float](repeating: 0, count: OC * C * KK)
        referenceGEMM(transposeA: .none, transposeB: .transposed, m: OC, n: C * KK, k: N, alpha: 1, a: dy, lda: N,
                      b: u, ldb: N, beta: 0, c: &dwPlain, ldc: C * KK)
        var du = [Float](repeating: 0, count: C * KK * N)
        referenceGEMM(transposeA: .transposed, transposeB: .none, m: C * KK, n: N, k: OC, alpha: 1, a: w,
                      lda: C * KK, b: dy, ldb: N, beta: 0, c: &du, ldc: N)
        var dxPlain = [Float](repeating: 0, count: C * N)
        referenceMaskedCol2im(dInput: &dxPlain, dColumns: du, mask: mask, channels: C, batch: B, height: H, width: W,
                              kernelSize: K, dilation: D)
        // Tiled.
        var y = bias, dw = [Float](repeating: 7, count: OC * C * KK), dx = [Float](repeating: 0, count: C * N)
        y.withUnsafeMutableBufferPointer { y in
            maskedConvolutionForward(output: y.baseAddress!, input: x, weight: w, mask: mask, channels: C,
                                     outputChannels: OC, batch: B, height: H, width: W, kernelSize: K, dilation: D)
        }
        dw.withUnsafeMutableBufferPointer { dw in
            dx.withUnsafeMutableBufferPointer { dx in
                maskedConvolutionBackward(dInput: dx.baseAddress!, dWeight: dw.baseAddress!, dOutput: dy, input: x,
                                          weight: w, mask: mask, channels: C, outputChannels: OC, batch: B, height: H,
                                          width: W, kernelSize: K, dilation: D)
            }
        }
        let label = "C \(C) OC \(OC) B \(B) \(H)x\(W) K \(K) D \(D)"
        assertClose(y, yPlain, relativeTolerance: 1e-4, absoluteTolerance: 1e-4, "forward " + label)
        assertClose(dw, dwPlain, relativeTolerance: 1e-4, absoluteTolerance: 1e-3, "dW " + label)
        assertClose(dx, dxPlain, relativeTolerance: 1e-4, absoluteTolerance: 1e-4, "dX " + label)
    }

    func testTiledKernelsMatchPlainComposition() {
        check(C: 3, OC: 5, B: 1, H: 4, W: 6, K: 3, D: 1)
        check(C: 4, OC: 6, B: 5, H: 7, W: 5, K: 3, D: 2)
        check(C: 2, OC: 3, B: 3, H: 9, W: 9, K: 5, D: 3)
        check(C: 6, OC: 4, B: 40, H: 8, W: 8, K: 1, D: 1)    // several images per tile
        check(C: 5, OC: 7, B: 7, H: 33, W: 35, K: 3, D: 2)   // one image per tile, odd sizes
    }

    /// The open-tap kernel against the plain composition, for a mask of `kind`.
    enum MaskKind { case random, randomValues, causalRows, closedRows }

    func checkOpenTaps(C: Int, OC: Int, B: Int, H: Int, W: Int, K: Int, D: Int, kind: MaskKind) {
        var rng = Xoshiro256(seed: UInt64(C * 1000 + B * 100 + K * 10 + D) &+ 17)
        let HW = H * W, N = B * HW, KK = K * K
        let x = random(C * N, &rng), w = random(OC * C * KK, &rng), bias = random(OC * N, &rng)
        var mask = [Float](repeating: 0, count: KK * HW)
        for j in 0..<KK { for q in 0..<HW {
            let (r, c) = (q / W, q % W), (dr, dc) = (j / K - K / 2, j % K - K / 2)
            switch kind {
            case .random: mask[j * HW + q] = Float(rng.next() % 2)
            case .randomValues: mask[j * HW + q] = rng.next() % 3 == 0 ? 0 : rng.nextUniform()
            // Raster-causal on even rows, its mirror on odd rows (an S-curve's masks), centre open.
            case .causalRows:
                let before = dr < 0 || (dr == 0 && (r % 2 == 0 ? dc <= 0 : dc >= 0))
                mask[j * HW + q] = before ? 1 : 0
            // Rows 1 and 3 wholly closed; the others open at the first column only.
            case .closedRows: mask[j * HW + q] = (r == 1 || r == 3 || c > 0) ? 0 : 1
            }
        } }
        var u = [Float](repeating: 0, count: C * KK * N)
        referenceMaskedIm2col(columns: &u, input: x, mask: mask, channels: C, batch: B, height: H, width: W,
                              kernelSize: K, dilation: D)
        var yPlain = bias
        referenceGEMM(transposeA: .none, transposeB: .none, m: OC, n: N, k: C * KK, alpha: 1, a: w, lda: C * KK,
                      b: u, ldb: N, beta: 1, c: &yPlain, ldc: N)
        var y = bias
        let groups = mask.withUnsafeBufferPointer {
            OpenTapRowGroups(mask: $0.baseAddress!, taps: KK, height: H, width: W)
        }
        y.withUnsafeMutableBufferPointer { y in
            openTapConvolutionForward(output: y.baseAddress!, input: x, weight: w, mask: mask, groups: groups,
                                      channels: C, outputChannels: OC, batch: B, height: H, width: W, kernelSize: K,
                                      dilation: D)
        }
        let label = "\(kind) C \(C) OC \(OC) B \(B) \(H)x\(W) K \(K) D \(D)"
        assertClose(y, yPlain, relativeTolerance: 1e-4, absoluteTolerance: 1e-4, "open-tap forward " + label)
        // Backward: dW = dY Uᵀ, dX = col2im(Wᵀ dY), against the plain composition.
        let dy = random(OC * N, &rng)
        var dwPlain = [Float](repeating: 0, count: OC * C * KK)
        referenceGEMM(transposeA: .none, transposeB: .transposed, m: OC, n: C * KK, k: N, alpha: 1, a: dy, lda: N,
                      b: u, ldb: N, beta: 0, c: &dwPlain, ldc: C * KK)
        var du = [Float](repeating: 0, count: C * KK * N)
        referenceGEMM(transposeA: .transposed, transposeB: .none, m: C * KK, n: N, k: OC, alpha: 1, a: w,
                      lda: C * KK, b: dy, ldb: N, beta: 0, c: &du, ldc: N)
        let dxStart = random(C * N, &rng)   // dX is accumulated into
        var dxPlain = dxStart
        referenceMaskedCol2im(dInput: &dxPlain, dColumns: du, mask: mask, channels: C, batch: B, height: H, width: W,
                              kernelSize: K, dilation: D)
        var dw = [Float](repeating: 7, count: OC * C * KK), dx = dxStart
        dw.withUnsafeMutableBufferPointer { dw in
            dx.withUnsafeMutableBufferPointer { dx in
                openTapConvolutionBackward(dInput: dx.baseAddress!, dWeight: dw.baseAddress!, dOutput: dy, input: x,
                                           weight: w, mask: mask, groups: groups, channels: C, outputChannels: OC,
                                           batch: B, height: H, width: W, kernelSize: K, dilation: D)
            }
        }
        assertClose(dw, dwPlain, relativeTolerance: 1e-4, absoluteTolerance: 1e-3, "open-tap dW " + label)
        assertClose(dx, dxPlain, relativeTolerance: 1e-4, absoluteTolerance: 1e-4, "open-tap dX " + label)
        // Every row with an open tap is in exactly one group, which lists exactly the taps open in that row.
        var seen = Set<Int>()
        for group in groups.groups {
            for r in group.rows {
                XCTAssertTrue(seen.insert(r).inserted, "row \(r) in two groups, " + label)
                let open = (0..<KK).filter { j in (0..<W).contains { mask[j * HW + r * W + $0] != 0 } }
                XCTAssertEqual(group.taps, open, "row \(r)'s taps, " + label)
            }
        }
        let rowsWithOpenTaps = (0..<H).filter { r in (0..<(KK * W)).contains { mask[($0 / W) * HW + r * W + $0 % W] != 0 } }
        XCTAssertEqual(seen, Set(rowsWithOpenTaps), label)
    }

    func testOpenTapKernelMatchesPlainComposition() {
        for kind in [MaskKind.random, .randomValues, .causalRows, .closedRows] {
            checkOpenTaps(C: 3, OC: 5, B: 1, H: 4, W: 6, K: 3, D: 1, kind: kind)
            checkOpenTaps(C: 4, OC: 6, B: 5, H: 7, W: 5, K: 3, D: 2, kind: kind)
            checkOpenTaps(C: 2, OC: 3, B: 3, H: 9, W: 9, K: 5, D: 3, kind: kind)
            checkOpenTaps(C: 6, OC: 4, B: 40, H: 8, W: 8, K: 1, D: 1, kind: kind)    // several images per tile
            checkOpenTaps(C: 5, OC: 7, B: 7, H: 33, W: 35, K: 3, D: 2, kind: kind)   // one image per tile, odd sizes
        }
    }

    /// An S-curve's causal 3x3 masks open about half the taps: what the open-tap kernel saves.
    func testOpenFractionOfCausalRows() {
        let (H, W, K) = (6, 6, 3), HW = H * W, KK = K * K
        var mask = [Float](repeating: 0, count: KK * HW)
        for j in 0..<KK { for q in 0..<HW {
            let (r, dr, dc) = (q / W, j / K - 1, j % K - 1)
            mask[j * HW + q] = dr < 0 || (dr == 0 && (r % 2 == 0 ? dc <= 0 : dc >= 0)) ? 1 : 0
        } }
        let groups = mask.withUnsafeBufferPointer { OpenTapRowGroups(mask: $0.baseAddress!, taps: KK, height: H, width: W) }
        XCTAssertEqual(groups.groups.count, 2)                      // rows going right, rows going left
        XCTAssertEqual(groups.openFraction, 5.0 / 9.0, accuracy: 1e-12)
        XCTAssertEqual(groups.groups[0].rowValues.compactMap { $0 }.count, 5 * 3)   // every row uniform
    }
}
