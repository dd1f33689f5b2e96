import CPortableKernels
import LMConvTensor

// A matrix product whose every output element is computed by the same sequence of IEEE operations whatever the
// batch size, the thread count or the machine, for the codec: BLAS kernels change their summation order with the
// shape, the CPU and the thread count, and use fused multiply-adds, so two machines (or two batch compositions)
// would give different network outputs and the decoder would desynchronise from the encoder.
//
// The arithmetic itself is C (Sources/CPortableKernels), because Swift compiles its SIMD types for the package's
// baseline instruction set only (SSE2 on x86-64): the C target has AVX-512, AVX2 and portable (SSE2 / NEON) paths
// chosen at run time, which give the same bits. Threads stay here: they split the rows, never a sum.

/// Deterministic matrix kernels (see ``matrixProduct(rows:inner:columns:w:ldw:x:ldx:y:ldy:threads:)``).
public enum PortableKernels {
    /// The instruction-set paths of the kernels. Every path computes the same bits; only speed differs.
    public enum Path: Int32, CaseIterable, Sendable, CustomStringConvertible {
        /// Plain C with 4-float vectors (SSE2 on x86-64, NEON on arm64) and scalars: every machine.
        case portable = 0
        /// AVX2, 8 floats a vector (x86-64).
        case avx2 = 1
        /// AVX-512F, 16 floats a vector (x86-64).
        case avx512 = 2

        /// Whether this CPU (and operating system) can run the path.
        public var isAvailable: Bool { lmconv_kernel_path_available(rawValue) != 0 }

        /// The paths this machine can run, narrowest first.
        public static var available: [Path] { allCases.filter(\.isAvailable) }

        /// The path ``PortableKernels`` uses: the widest available.
        public static var best: Path { Path(rawValue: lmconv_kernel_best_path()) ?? .portable }

        public var description: String {
            switch self {
            case .portable: "portable"
            case .avx2: "AVX2"
            case .avx512: "AVX-512"
            }
        }
    }

    /// y (rows, columns) += W (rows, inner) · x (inner, columns), row-major with leading dimensions ldw, ldx, ldy.
    ///
    /// Each element is y[o, j] + w[o, 0] x[0, j] + w[o, 1] x[1, j] + ... summed left to right in Float, each
    /// product rounded before its addition (no FMA). Columns (images) are the SIMD lanes: every lane runs that
    /// same scalar sequence, so column j's result does not depend on how many columns there are, on which lane or
    /// scalar tail it falls, on the instruction set (``Path``) or on `threads`; threads split the rows, never the sum.
    public static func matrixProduct(
        rows: Int, inner: Int, columns: Int,
        w: UnsafePointer<Float>, ldw: Int, x: UnsafePointer<Float>, ldx: Int,
        y: UnsafeMutablePointer<Float>, ldy: Int, threads: Int = Parallelism.threadCount
    ) {
        matrixProduct(rows: rows, inner: inner, columns: columns, w: w, ldw: ldw, x: x, ldx: ldx, y: y, ldy: ldy,
                      threads: threads, path: nil)
    }

    /// ``matrixProduct(rows:inner:columns:w:ldw:x:ldx:y:ldy:threads:)`` on a given path (tests and benchmarks:
    /// the result is the same on every path). `path` must be available (``Path/isAvailable``).
    public static func matrixProduct(
        rows: Int, inner: Int, columns: Int,
        w: UnsafePointer<Float>, ldw: Int, x: UnsafePointer<Float>, ldx: Int,
        y: UnsafeMutablePointer<Float>, ldy: Int, threads: Int = Parallelism.threadCount, path: Path?
    ) {
        if rows == 0 || columns == 0 { return }
        precondition(path?.isAvailable ?? true, "PortableKernels: the \(path!) path is not available on this CPU")
        // Blocks of 8 rows; split across threads only when each gets at least ~256 KFLOP.
        let blocks = (rows + 7) / 8
        let work = 2 * rows * inner * columns
        let chunks = Swift.max(1, Swift.min(threads, blocks, work / 262_144))
        let body = { (chunk: Int) in
            let first = blocks * chunk / chunks, last = blocks * (chunk + 1) / chunks
            let o = first * 8, end = Swift.min(last * 8, rows)
            if o >= end { return }
            if let path {
                lmconv_matrix_product_path(path.rawValue, end - o, inner, columns, w + o * ldw, ldw, x, ldx,
                                           y + o * ldy, ldy)
            } else {
                lmconv_matrix_product(end - o, inner, columns, w + o * ldw, ldw, x, ldx, y + o * ldy, ldy)
            }
        }
        if chunks == 1 {
            body(0)
        } else {
            // The package's parallel loop (one chunk per thread); chunks write disjoint rows of y.
            parallelFor(chunks, minimumChunk: 1) { range in
                for chunk in range { body(chunk) }
            }
        }
    }

    /// x[i] = σ(x[i]) in place for `count` floats: exactly `PortableMath.sigmoid(x[i])` (its Float form), on the
    /// widest path or a given one (tests and benchmarks; `path` must be available). Branch-free and vectorised in C,
    /// the elements being the lanes, where the Swift function branches on the sign of every element.
    public static func sigmoid(_ x: UnsafeMutablePointer<Float>, count: Int, path: Path? = nil) {
        if count <= 0 { return }
        precondition(path?.isAvailable ?? true, "PortableKernels: the \(path!) path is not available on this CPU")
        if let path { lmconv_gate_sigmoid_path(path.rawValue, x, count) } else { lmconv_gate_sigmoid(x, count) }
    }
}
