import LMConvTensor
import TestSupport
import XCTest

/// The fast masked im2col/col2im against their index-by-index references, and col2im as the adjoint of im2col.
final class Im2ColTests: XCTestCase {
    /// (C, B, H, W, K, D): K = 1, 3, 5; D = 1, 2, 3; square and non-square images; taps that fall entirely outside the
    /// image (K * D larger than a side); and sizes large enough that the fast versions split their work across threads.
    static let shapes: [(C: Int, B: Int, H: Int, W: Int, K: Int, D: Int)] = [
        (1, 1, 1, 1, 1, 1), (1, 1, 1, 1, 3, 1), (2, 1, 3, 3, 1, 1), (3, 2, 4, 4, 1, 3),
        (2, 3, 5, 7, 3, 1), (3, 2, 6, 4, 3, 2), (1, 2, 7, 5, 3, 3), (2, 1, 2, 9, 3, 2),
        (2, 2, 7, 5, 5, 1), (1, 3, 4, 6, 5, 2), (2, 1, 8, 3, 5, 3), (1, 1, 3, 3, 5, 3),
        (8, 4, 9, 11, 3, 2), (5, 6, 16, 12, 5, 1), (16, 2, 10, 10, 3, 3),
    ]

    /// Masks: random binary, random real (the mask is a multiplier, not only a selector), all ones, all zeros.
    static func masks(KK: Int, HW: Int, using rng: inout Xoshiro256) -> [(String, [Float])] {
        [("binary", (0..<(KK * HW)).map { _ in rng.nextUniform() < 0.5 ? 0 : 1 }),
         ("real", (0..<(KK * HW)).map { _ in rng.nextUniform() * 2 - 1 }),
         ("ones", [Float](repeating: 1, count: KK * HW)),
         ("zeros", [Float](repeating: 0, count: KK * HW))]
    }

    func testMaskedIm2colMatchesReference() {
        var rng = Xoshiro256(seed: 11)
        for s in Self.shapes {
            let (KK, HW) = (s.K * s.K, s.H * s.W)
            let rows = s.C * KK, N = s.B * HW
            let input = (0..<(s.C * s.B * HW)).map { _ in rng.nextUniform() * 2 - 1 }
            for (maskName, mask) in Self.masks(KK: KK, HW: HW, using: &rng) {
                // Start both from garbage: im2col must overwrite every element.
                var fast = [Float](repeating: .nan, count: rows * N)
                var plain = [Float](repeating: 7, count: rows * N)
                maskedIm2col(columns: &fast, input: input, mask: mask, channels: s.C, batch: s.B, height: s.H,
                             width: s.W, kernelSize: s.K, dilation: s.D)
                referenceMaskedIm2col(columns: &plain, input: input, mask: mask, channels: s.C, batch: s.B,
                                      height: s.H, width: s.W, kernelSize: s.K, dilation: s.D)
                XCTAssertEqual(fast, plain, "im2col \(s) mask \(maskName)")
            }
        }
    }

    func testMaskedIm2colAgainstTheDefinition() {
        // One independent spot check of the reference's indexing on a case small enough to write out: a 2x3 image,
        // K = 3, D = 1, mask all ones. Column q = r*W + c holds the 3x3 neighbourhood of (r, c), zero outside.
        let input: [Float] = [1, 2, 3,
                              4, 5, 6]
        var columns = [Float](repeating: -1, count: 9 * 6)
        referenceMaskedIm2col(columns: &columns, input: input, mask: [Float](repeating: 1, count: 9 * 6),
                              channels: 1, batch: 1, height: 2, width: 3, kernelSize: 3, dilation: 1)
        // Tap j = 4 (the centre) is the image itself; tap 0 (up-left) of pixel (1, 1) is pixel (0, 0) = 1;
        // tap 8 (down-right) of pixel (0, 0) is pixel (1, 1) = 5; tap 5 (right) of (0, 2) falls outside.
        XCTAssertEqual(Array(columns[(4 * 6)..<(5 * 6)]), input)
        XCTAssertEqual(columns[0 * 6 + 4], 1)
        XCTAssertEqual(columns[8 * 6 + 0], 5)
        XCTAssertEqual(columns[5 * 6 + 2], 0)
        XCTAssertEqual(Array(columns[(1 * 6)..<(2 * 6)]), [0, 0, 0, 1, 2, 3]) // up: the row above, same column
    }

    func testMaskedCol2imMatchesReference() {
        var rng = Xoshiro256(seed: 12)
        for s in Self.shapes {
            let (KK, HW) = (s.K * s.K, s.H * s.W)
            let rows = s.C * KK, N = s.B * HW
            let dColumns = (0..<(rows * N)).map { _ in rng.nextUniform() * 2 - 1 }
            let initial = (0..<(s.C * s.B * HW)).map { _ in rng.nextUniform() * 2 - 1 }
            for (maskName, mask) in Self.masks(KK: KK, HW: HW, using: &rng) {
                // Both accumulate into a non-zero dInput.
                var fast = initial, plain = initial
                maskedCol2im(dInput: &fast, dColumns: dColumns, mask: mask, channels: s.C, batch: s.B, height: s.H,
                             width: s.W, kernelSize: s.K, dilation: s.D)
                referenceMaskedCol2im(dInput: &plain, dColumns: dColumns, mask: mask, channels: s.C, batch: s.B,
                                      height: s.H, width: s.W, kernelSize: s.K, dilation: s.D)
                // The summation order may differ between the two, so allow Float rounding.
                assertClose(fast, plain, relativeTolerance: 1e-5, absoluteTolerance: 1e-5, "col2im \(s) mask \(maskName)")
                if maskName == "zeros" { XCTAssertEqual(fast, initial, "col2im with a zero mask adds nothing \(s)") }
            }
        }
    }

    /// <im2col(x), y> = <x, col2im(y)> for random x and y, in Double.
    func testCol2imIsTheAdjointOfIm2col() {
        var rng = Xoshiro256(seed: 13)
        for s in Self.shapes {
            let (KK, HW) = (s.K * s.K, s.H * s.W)
            let rows = s.C * KK, N = s.B * HW
            let x = (0..<(s.C * s.B * HW)).map { _ in rng.nextUniform() * 2 - 1 }
            let y = (0..<(rows * N)).map { _ in rng.nextUniform() * 2 - 1 }
            for (maskName, mask) in Self.masks(KK: KK, HW: HW, using: &rng) {
                var columns = [Float](repeating: 0, count: rows * N)
                maskedIm2col(columns: &columns, input: x, mask: mask, channels: s.C, batch: s.B, height: s.H,
                             width: s.W, kernelSize: s.K, dilation: s.D)
                var back = [Float](repeating: 0, count: x.count)
                maskedCol2im(dInput: &back, dColumns: y, mask: mask, channels: s.C, batch: s.B, height: s.H,
                             width: s.W, kernelSize: s.K, dilation: s.D)
                var left = 0.0, right = 0.0, magnitude = 0.0
                for i in 0..<columns.count {
                    left += Double(columns[i]) * Double(y[i])
                    magnitude += abs(Double(columns[i]) * Double(y[i]))
                }
                for i in 0..<x.count { right += Double(x[i]) * Double(back[i]) }
                XCTAssertEqual(left, right, accuracy: 1e-6 * max(1, magnitude), "adjoint \(s) mask \(maskName)")
            }
        }
    }
}
