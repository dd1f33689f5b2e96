// The only BLAS call site of the package: single-precision GEMM, row-major.
// Linux: OpenBLAS's CBLAS (Debian libopenblas-dev); Apple platforms: Accelerate.
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Whether an operand of ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` is used as stored or transposed.
public enum Transpose: Sendable { case none, transposed }

/// C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C, all row-major with leading dimensions lda, ldb, ldc.
///
/// This calls the platform's BLAS `sgemm`; ``referenceGEMM(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
/// is the plain version the tests compare it with.
///
/// Threads: parallelises over the thread budget. Large products are split into column blocks of C (fixed by the
/// shape), each a single-threaded BLAS call.
/// OpenBLAS's own threads would otherwise spin in `sched_yield` between calls and take the cores from the
/// package's other parallel loops (a quarter of a training step was spent there).
public func gemm(
    transposeA: Transpose, transposeB: Transpose, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    BLASThreads.useCallerThreadsOnly
    // Split only work worth a thread (about 8 MFLOP) and only into column blocks of at least 512. The blocks depend on
    // the shape alone, never on the thread budget, so every element of C is computed the same way on any number of
    // threads (BLAS kernels may round a column differently at a block edge).
    let blocks = Swift.min(8, n / 512, Swift.max(1, (2 * m * n * k) / 8_000_000))
    if blocks <= 1 {
        singleThreadedGEMM(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a,
                           lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    // Inside another parallel region the blocks run on the calling thread (parallelFor never nests).
    parallelFor(blocks, minimumChunk: 1) { range in
        for block in range {
            // Column blocks aligned to 16 floats so each thread writes whole cache lines of C.
            let start = (n * block / blocks) & ~15, end = block == blocks - 1 ? n : (n * (block + 1) / blocks) & ~15
            if start >= end { continue }
            let bBlock = transposeB == .none ? b + start : b + start * ldb
            singleThreadedGEMM(transposeA: transposeA, transposeB: transposeB, m: m, n: end - start, k: k,
                               alpha: alpha, a: a, lda: lda, b: bBlock, ldb: ldb, beta: beta, c: c + start, ldc: ldc)
        }
    }
}

/// One BLAS call on the calling thread, for kernels that parallelise at a coarser grain themselves.
@inline(__always)
public func singleThreadedGEMM(
    transposeA: Transpose, transposeB: Transpose, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        // BLAS leaves C untouched only when beta == 1; make the k = 0 case explicit.
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    cblas_sgemm(
        CblasRowMajor,
        transposeA == .none ? CblasNoTrans : CblasTrans,
        transposeB == .none ? CblasNoTrans : CblasTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// The plain triple loop that ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` must agree with.
public func referenceGEMM(
    transposeA: Transpose, transposeB: Transpose, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var sum: Double = 0
            for p in 0..<k {
                let av = transposeA == .none ? a[i * lda + p] : a[p * lda + i]
                let bv = transposeB == .none ? b[p * ldb + j] : b[j * ldb + p]
                sum += Double(av) * Double(bv)
            }
            let previous = beta == 0 ? 0 : beta * c[i * ldc + j]
            c[i * ldc + j] = alpha * Float(sum) + previous
        }
    }
}

/// The number of threads the BLAS library uses for GEMM.
public enum BLASThreads {
    /// Makes BLAS run each call on the calling thread; ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
    /// parallelises by itself. Evaluated once, on first use.
    static let useCallerThreadsOnly: Void = { set(1) }()

    /// Sets the BLAS thread count (OpenBLAS only; Accelerate chooses by itself). Internal: ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
    /// relies on BLAS staying single-threaded, so no other code may change it.
    static func set(_ count: Int) {
        #if !canImport(Accelerate)
        openblas_set_num_threads(Int32(count))
        #endif
    }

    /// The BLAS thread count in use (1 where it cannot be told).
    public static var current: Int {
        #if canImport(Accelerate)
        return 1
        #else
        return Int(openblas_get_num_threads())
        #endif
    }
}
