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
        // Blocks of 8 rows; split across threads only when each gets at least ~256 KFLOP.
        let blocks = (rows + 7) / 8
        let work = 2 * rows * inner * columns
        let chunks = Swift.max(1, Swift.min(threads, blocks, work / 262_144))
        let body = { (chunk: Int) in
            let first = blocks * chunk / chunks, last = blocks * (chunk + 1) / chunks
            var o = first * 8
            let end = Swift.min(last * 8, rows)
            while o < end {
                let height = Swift.min(8, end - o)
                rowBlock(height: height, inner: inner, columns: columns, w: w + o * ldw, ldw: ldw, x: x, ldx: ldx,
                         y: y + o * ldy, ldy: ldy)
                o += height
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

    /// Up to 8 rows of y against all columns: 8-column chunks 4 rows at a time (16 SSE registers hold 4 SIMD8
    /// accumulators and the operands), then a 4-column chunk and single columns 8 rows at a time (8 independent sums
    /// hide the latency of the additions). Every path performs the same scalar sequence per element.
    @inline(__always)
    private static func rowBlock(
        height: Int, inner: Int, columns: Int, w: UnsafePointer<Float>, ldw: Int,
        x: UnsafePointer<Float>, ldx: Int, y: UnsafeMutablePointer<Float>, ldy: Int
    ) {
        var j = 0
        while j + 8 <= columns {
            var r = 0
            while r + 4 <= height {
                let wr = w + r * ldw, yr = y + r * ldy + j
                var a0 = load(yr, SIMD8<Float>.self), a1 = load(yr + ldy, SIMD8<Float>.self)
                var a2 = load(yr + 2 * ldy, SIMD8<Float>.self), a3 = load(yr + 3 * ldy, SIMD8<Float>.self)
                for p in 0..<inner {
                    let xv = load(x + p * ldx + j, SIMD8<Float>.self)
                    a0 = a0 + SIMD8(repeating: wr[p]) * xv
                    a1 = a1 + SIMD8(repeating: wr[ldw + p]) * xv
                    a2 = a2 + SIMD8(repeating: wr[2 * ldw + p]) * xv
                    a3 = a3 + SIMD8(repeating: wr[3 * ldw + p]) * xv
                }
                store(a0, yr); store(a1, yr + ldy); store(a2, yr + 2 * ldy); store(a3, yr + 3 * ldy)
                r += 4
            }
            while r < height {
                oneRow(inner: inner, w: w + r * ldw, x: x + j, ldx: ldx, y: y + r * ldy + j, SIMD8<Float>.self)
                r += 1
            }
            j += 8
        }
        if j + 4 <= columns {
            eightRows(height: height, inner: inner, w: w, ldw: ldw, x: x + j, ldx: ldx, y: y + j, ldy: ldy, SIMD4<Float>.self)
            j += 4
        }
        while j < columns {
            eightRowsOneColumn(height: height, inner: inner, w: w, ldw: ldw, x: x + j, ldx: ldx, y: y + j, ldy: ldy)
            j += 1
        }
    }

    /// `height` (<= 8) rows of y against the V.scalarCount columns at x, y: 8 accumulators when height is 8.
    @inline(__always)
    private static func eightRows<V: SIMD>(
        height: Int, inner: Int, w: UnsafePointer<Float>, ldw: Int, x: UnsafePointer<Float>, ldx: Int,
        y: UnsafeMutablePointer<Float>, ldy: Int, _: V.Type
    ) where V.Scalar == Float {
        guard height == 8 else {
            for r in 0..<height { oneRow(inner: inner, w: w + r * ldw, x: x, ldx: ldx, y: y + r * ldy, V.self) }
            return
        }
        var a0 = load(y, V.self), a1 = load(y + ldy, V.self), a2 = load(y + 2 * ldy, V.self)
        var a3 = load(y + 3 * ldy, V.self), a4 = load(y + 4 * ldy, V.self), a5 = load(y + 5 * ldy, V.self)
        var a6 = load(y + 6 * ldy, V.self), a7 = load(y + 7 * ldy, V.self)
        for p in 0..<inner {
            let xv = load(x + p * ldx, V.self)
            a0 = a0 + V(repeating: w[p]) * xv
            a1 = a1 + V(repeating: w[ldw + p]) * xv
            a2 = a2 + V(repeating: w[2 * ldw + p]) * xv
            a3 = a3 + V(repeating: w[3 * ldw + p]) * xv
            a4 = a4 + V(repeating: w[4 * ldw + p]) * xv
            a5 = a5 + V(repeating: w[5 * ldw + p]) * xv
            a6 = a6 + V(repeating: w[6 * ldw + p]) * xv
            a7 = a7 + V(repeating: w[7 * ldw + p]) * xv
        }
        store(a0, y); store(a1, y + ldy); store(a2, y + 2 * ldy); store(a3, y + 3 * ldy)
        store(a4, y + 4 * ldy); store(a5, y + 5 * ldy); store(a6, y + 6 * ldy); store(a7, y + 7 * ldy)
    }

    /// ``eightRows(height:inner:w:ldw:x:ldx:y:ldy:_:)`` for a single column, in scalars.
    @inline(__always)
    private static func eightRowsOneColumn(
        height: Int, inner: Int, w: UnsafePointer<Float>, ldw: Int, x: UnsafePointer<Float>, ldx: Int,
        y: UnsafeMutablePointer<Float>, ldy: Int
    ) {
        guard height == 8 else {
            for r in 0..<height {
                let wr = w + r * ldw
                var a = y[r * ldy]
                for p in 0..<inner { a = a + wr[p] * x[p * ldx] }
                y[r * ldy] = a
            }
            return
        }
        var a0 = y[0], a1 = y[ldy], a2 = y[2 * ldy], a3 = y[3 * ldy]
        var a4 = y[4 * ldy], a5 = y[5 * ldy], a6 = y[6 * ldy], a7 = y[7 * ldy]
        for p in 0..<inner {
            let xv = x[p * ldx]
            a0 = a0 + w[p] * xv
            a1 = a1 + w[ldw + p] * xv
            a2 = a2 + w[2 * ldw + p] * xv
            a3 = a3 + w[3 * ldw + p] * xv
            a4 = a4 + w[4 * ldw + p] * xv
            a5 = a5 + w[5 * ldw + p] * xv
            a6 = a6 + w[6 * ldw + p] * xv
            a7 = a7 + w[7 * ldw + p] * xv
        }
        y[0] = a0; y[ldy] = a1; y[2 * ldy] = a2; y[3 * ldy] = a3
        y[4 * ldy] = a4; y[5 * ldy] = a5; y[6 * ldy] = a6; y[7 * ldy] = a7
    }

    /// One row of y against the V.scalarCount columns at x, y.
    @inline(__always)
    private static func oneRow<V: SIMD>(
        inner: Int, w: UnsafePointer<Float>, x: UnsafePointer<Float>, ldx: Int, y: UnsafeMutablePointer<Float>, _: V.Type
    ) where V.Scalar == Float {
        var a = load(y, V.self)
        for p in 0..<inner { a = a + V(repeating: w[p]) * load(x + p * ldx, V.self) }
        store(a, y)
    }

    @inline(__always)
    private static func load<V: SIMD>(_ p: UnsafePointer<Float>, _: V.Type) -> V where V.Scalar == Float {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inline(__always)
    private static func load<V: SIMD>(_ p: UnsafeMutablePointer<Float>, _: V.Type) -> V where V.Scalar == Float {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inline(__always)
    private static func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>) where V.Scalar == Float {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }
}
