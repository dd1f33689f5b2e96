import Dispatch
import LMConvTensor

// A matrix product whose every output element is computed by the same sequence of IEEE operations whatever the
// batch size, the thread count or the machine, for the codec: BLAS kernels change their summation order with the
// shape, the CPU and the thread count, and use fused multiply-adds, so two machines (or two batch compositions)
// would give different network outputs and the decoder would desynchronise from the encoder.

/// Deterministic matrix kernels (see ``matrixProduct(rows:inner:columns:w:ldw:x:ldx:y:ldy:threads:)``).
public enum PortableKernels {
    /// y (rows, columns) += W (rows, inner) · x (inner, columns), row-major with leading dimensions ldw, ldx, ldy.
    ///
    /// Each element is y[o, j] + w[o, 0] x[0, j] + w[o, 1] x[1, j] + ... summed left to right in Float, each
    /// product rounded before its addition (no FMA). Columns (images) are the SIMD lanes: every lane runs that
    /// same scalar sequence, so column j's result does not depend on how many columns there are, on which lane or
    /// scalar tail it falls, or on `threads`; threads split the rows, never the sum.
    public static func matrixProduct(
        rows: Int, inner: Int, columns: Int,
        w: UnsafePointer<Float>, ldw: Int, x: UnsafePointer<Float>, ldx: Int,
        y: UnsafeMutablePointer<Float>, ldy: Int, threads: Int = Parallelism.threadCount
    ) {
        if rows == 0 || columns == 0 { return }
        // Blocks of 4 rows; split across threads only when each gets at least ~256 KFLOP.
        let blocks = (rows + 3) / 4
        let work = 2 * rows * inner * columns
        let chunks = Swift.max(1, Swift.min(threads, blocks, work / 262_144))
        let body = { (chunk: Int) in
            let first = blocks * chunk / chunks, last = blocks * (chunk + 1) / chunks
            var o = first * 4
            let end = Swift.min(last * 4, rows)
            while o < end {
                let height = Swift.min(4, end - o)
                rowBlock(height: height, inner: inner, columns: columns, w: w + o * ldw, ldw: ldw, x: x, ldx: ldx,
                         y: y + o * ldy, ldy: ldy)
                o += height
            }
        }
        if chunks == 1 {
            body(0)
        } else {
            // concurrentPerform returns when every chunk is done; chunks write disjoint rows of y.
            withoutActuallyEscaping(body) { body in DispatchQueue.concurrentPerform(iterations: chunks, execute: body) }
        }
    }

    /// Up to 4 rows of y against all columns: 8-column SIMD lanes, then a scalar tail doing the same operations.
    @inline(__always)
    private static func rowBlock(
        height: Int, inner: Int, columns: Int, w: UnsafePointer<Float>, ldw: Int,
        x: UnsafePointer<Float>, ldx: Int, y: UnsafeMutablePointer<Float>, ldy: Int
    ) {
        var j = 0
        if height == 4 {
            while j + 8 <= columns {
                var a0 = load8(y + j), a1 = load8(y + ldy + j), a2 = load8(y + 2 * ldy + j), a3 = load8(y + 3 * ldy + j)
                for p in 0..<inner {
                    let xv = load8(x + p * ldx + j)
                    a0 = a0 + SIMD8(repeating: w[p]) * xv
                    a1 = a1 + SIMD8(repeating: w[ldw + p]) * xv
                    a2 = a2 + SIMD8(repeating: w[2 * ldw + p]) * xv
                    a3 = a3 + SIMD8(repeating: w[3 * ldw + p]) * xv
                }
                store8(a0, y + j); store8(a1, y + ldy + j); store8(a2, y + 2 * ldy + j); store8(a3, y + 3 * ldy + j)
                j += 8
            }
            while j < columns {
                var a0 = y[j], a1 = y[ldy + j], a2 = y[2 * ldy + j], a3 = y[3 * ldy + j]
                for p in 0..<inner {
                    let xv = x[p * ldx + j]
                    a0 = a0 + w[p] * xv
                    a1 = a1 + w[ldw + p] * xv
                    a2 = a2 + w[2 * ldw + p] * xv
                    a3 = a3 + w[3 * ldw + p] * xv
                }
                y[j] = a0; y[ldy + j] = a1; y[2 * ldy + j] = a2; y[3 * ldy + j] = a3
                j += 1
            }
            return
        }
        for r in 0..<height {
            let wr = w + r * ldw, yr = y + r * ldy
            j = 0
            while j + 8 <= columns {
                var a = load8(yr + j)
                for p in 0..<inner { a = a + SIMD8(repeating: wr[p]) * load8(x + p * ldx + j) }
                store8(a, yr + j)
                j += 8
            }
            while j < columns {
                var a = yr[j]
                for p in 0..<inner { a = a + wr[p] * x[p * ldx + j] }
                yr[j] = a
                j += 1
            }
        }
    }

    @inline(__always)
    private static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
