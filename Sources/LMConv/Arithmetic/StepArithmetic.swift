import Foundation
import LMConvTensor

// The two arithmetics of the one-location step (the incremental machinery's, which the autoregressive session
// drives). Sampling and completion want speed: BLAS GEMMs and libm's expf. A codec wants the encoder's and the
// decoder's network outputs to agree to the last bit on any machine, batch composition and thread count: BLAS
// changes its summation order and its use of FMA with the shape, the CPU and the library, and libm's last bits
// differ between versions. The portable arithmetic replaces exactly those two parts; everything else a step does
// (gathering taps, PONO's sums over channels in channel order, IEEE square roots and divisions, fastELU's
// polynomial) is already a fixed sequence of correctly rounded operations, the same per image whatever the batch.

/// How a step computes its matrix products and sigmoids.
public enum StepArithmetic: String, Sendable, CaseIterable {
    /// BLAS (OpenBLAS or Accelerate) and libm: fastest; the last bits may depend on the machine and the batch.
    case fast
    /// ``PortableKernels`` and ``PortableMath``: the same bits on every IEEE-754 machine, for every image alone or
    /// in any batch, at any thread count (the codec's arithmetic).
    case portable
}

/// y (m, n) += A (m, k) · B (k, n), row-major with leading dimensions, on the calling thread, in `arithmetic`.
@inline(__always)
func stepMatrixProduct(_ arithmetic: StepArithmetic, m: Int, n: Int, k: Int,
                       a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       c: UnsafeMutablePointer<Float>, ldc: Int) {
    switch arithmetic {
    case .fast:
        singleThreadedGEMM(transposeA: .none, transposeB: .none, m: m, n: n, k: k, alpha: 1, a: a, lda: lda,
                           b: b, ldb: ldb, beta: 1, c: c, ldc: ldc)
    case .portable:
        PortableKernels.matrixProduct(rows: m, inner: k, columns: n, w: a, ldw: lda, x: b, ldx: ldb, y: c, ldy: ldc,
                                      threads: 1)
    }
}

/// x[i] = σ(x[i]) for `count` floats in `arithmetic` (the portable one: PortableMath.sigmoid's bits, vectorised in C).
@inline(__always)
func stepSigmoids(_ arithmetic: StepArithmetic, _ x: UnsafeMutablePointer<Float>, count: Int) {
    switch arithmetic {
    case .fast: for i in 0..<count { x[i] = sigmoid(x[i]) }
    case .portable: PortableKernels.sigmoid(x, count: count)
    }
}
