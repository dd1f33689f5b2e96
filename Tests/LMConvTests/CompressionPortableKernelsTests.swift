import CPortableKernels
import Foundation
import LMConv
import LMConvTensor
import XCTest

/// PortableKernels.matrixProduct: right, and each column's bits independent of the batch size and thread count.
final class CompressionPortableKernelsTests: XCTestCase {
    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = Xoshiro256(seed: seed)
        return (0..<count).map { _ in rng.nextNormal() }
    }

    /// y (rows, columns) after the product; x is read from its first `columns` columns of a (inner, ldx) array.
    static func product(rows: Int, inner: Int, columns: Int, w: [Float], x: [Float], ldx: Int, y: [Float],
                        threads: Int) -> [Float] {
        var y = y
        w.withUnsafeBufferPointer { w in
            x.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { y in
                    PortableKernels.matrixProduct(rows: rows, inner: inner, columns: columns, w: w.baseAddress!, ldw: inner,
                                                  x: x.baseAddress!, ldx: ldx, y: y.baseAddress!, ldy: columns,
                                                  threads: threads)
                }
            }
        }
        return y
    }

    /// The scalar sequence the kernel promises, written out: y + w0 x0 + w1 x1 + ..., left to right.
    func testEqualsTheDocumentedScalarSequenceBitForBit() {
        for (rows, inner, columns) in [(1, 1, 1), (3, 5, 7), (4, 9, 8), (7, 288, 19), (64, 288, 32), (5, 0, 3)] {
            let w = Self.random(rows * inner, seed: 1), x = Self.random(inner * columns, seed: 2)
            let y0 = Self.random(rows * columns, seed: 3)
            let y = Self.product(rows: rows, inner: inner, columns: columns, w: w, x: x, ldx: columns, y: y0, threads: 1)
            var expected = y0
            for o in 0..<rows {
                for j in 0..<columns {
                    var a = y0[o * columns + j]
                    for p in 0..<inner {
                        let product = w[o * inner + p] * x[p * columns + j]
                        a = a + product
                    }
                    expected[o * columns + j] = a
                }
            }
            XCTAssertEqual(y.map(\.bitPattern), expected.map(\.bitPattern), "\(rows)x\(inner)x\(columns)")
            // And close to the double-precision product.
            var reference = y0
            w.withUnsafeBufferPointer { w in
                x.withUnsafeBufferPointer { x in
                    reference.withUnsafeMutableBufferPointer { r in
                        referenceGEMM(transposeA: .none, transposeB: .none, m: rows, n: columns, k: inner, alpha: 1,
                                      a: w.baseAddress!, lda: max(inner, 1), b: x.baseAddress!, ldb: columns, beta: 1,
                                      c: r.baseAddress!, ldc: columns)
                    }
                }
            }
            for i in y.indices { XCTAssertEqual(y[i], reference[i], accuracy: 1e-3 * Float(inner + 1)) }
        }
    }

    /// Every instruction-set path this CPU can run (AVX-512, AVX2, portable), side by side, against the scalar
    /// sequence written out, bit for bit: ragged shapes (1 to 40 columns, so every vector tail and mask; row counts
    /// that are not multiples of any block height; inner 1 to 300), leading dimensions wider than the matrices, and
    /// the padding of y around the product left untouched (masked stores write nothing beyond the last column).
    func testEveryPathEqualsTheScalarSequenceOnRaggedShapes() {
        let paths = PortableKernels.Path.available
        XCTAssertTrue(paths.contains(.portable))
        XCTAssertEqual(PortableKernels.Path.best, paths.last)
        print("PortableKernels paths available: \(paths.map(\.description).joined(separator: ", ")); best \(PortableKernels.Path.best)")
        var shapes = 0
        for rows in [1, 2, 3, 5, 7, 9, 13, 17, 23, 30, 46] {   // every remainder of the 6-, 8- and 12-row blocks
            for inner in [1, 2, 3, 8, 17, 64, 129, 300] {
                for columns in 1...40 {
                    let ldw = inner + 3, ldx = columns + 5, ldy = columns + 2
                    let seed = UInt64(rows * 1_000_000 + inner * 100 + columns)
                    let w = Self.random(rows * ldw, seed: seed), x = Self.random(inner * ldx, seed: seed + 1)
                    let y0 = Self.random((rows + 1) * ldy, seed: seed + 2)   // one more row: padding
                    var expected = y0
                    for o in 0..<rows {
                        for j in 0..<columns {
                            var a = y0[o * ldy + j]
                            for p in 0..<inner {
                                let product = w[o * ldw + p] * x[p * ldx + j]
                                a = a + product
                            }
                            expected[o * ldy + j] = a
                        }
                    }
                    for path in paths {
                        var y = y0
                        w.withUnsafeBufferPointer { w in
                            x.withUnsafeBufferPointer { x in
                                y.withUnsafeMutableBufferPointer { y in
                                    PortableKernels.matrixProduct(
                                        rows: rows, inner: inner, columns: columns, w: w.baseAddress!, ldw: ldw,
                                        x: x.baseAddress!, ldx: ldx, y: y.baseAddress!, ldy: ldy, threads: 1, path: path)
                                }
                            }
                        }
                        if y.map(\.bitPattern) != expected.map(\.bitPattern) {
                            let first = y.indices.first { y[$0].bitPattern != expected[$0].bitPattern }!
                            XCTFail("\(path): rows \(rows), inner \(inner), columns \(columns): element \(first / ldy), \(first % ldy) is \(y[first]), expected \(expected[first])")
                        }
                    }
                    shapes += 1
                }
            }
        }
        XCTAssertEqual(shapes, 11 * 8 * 40)
    }

    /// The Swift path numbers are the C header's.
    func testPathNumbersMatchTheCHeader() {
        XCTAssertEqual(PortableKernels.Path.portable.rawValue, LMCONV_KERNEL_PATH_PORTABLE)
        XCTAssertEqual(PortableKernels.Path.avx2.rawValue, LMCONV_KERNEL_PATH_AVX2)
        XCTAssertEqual(PortableKernels.Path.avx512.rawValue, LMCONV_KERNEL_PATH_AVX512)
        XCTAssertEqual(PortableKernels.Path.allCases.count, Int(LMCONV_KERNEL_PATH_COUNT))
    }

    /// Column j of a 32-image batch, of a 13-image batch and of a single image: the same bits, on 1 or 2 threads.
    func testColumnsDoNotDependOnBatchSizeOrThreads() {
        for rows in [64, 67] {
            let inner = 288, full = 32
            let w = Self.random(rows * inner, seed: 4), x = Self.random(inner * full, seed: 5)
            let y0 = Self.random(rows * full, seed: 6)
            let reference = Self.product(rows: rows, inner: inner, columns: full, w: w, x: x, ldx: full, y: y0, threads: 1)
            func column(_ y: [Float], _ j: Int, columns: Int) -> [UInt32] {
                (0..<rows).map { y[$0 * columns + j].bitPattern }
            }
            for threads in [1, 2] {
                let all = Self.product(rows: rows, inner: inner, columns: full, w: w, x: x, ldx: full, y: y0, threads: threads)
                XCTAssertEqual(all.map(\.bitPattern), reference.map(\.bitPattern), "32 images, \(threads) threads")
                for (first, count) in [(0, 13), (19, 13), (5, 1), (31, 1), (3, 9), (2, 6), (25, 7)] {
                    // The batch of `count` images first...first+count-1, gathered into its own arrays.
                    let xs = (0..<inner).flatMap { p in (0..<count).map { x[p * full + first + $0] } }
                    let ys = (0..<rows).flatMap { o in (0..<count).map { y0[o * full + first + $0] } }
                    let part = Self.product(rows: rows, inner: inner, columns: count, w: w, x: xs, ldx: count, y: ys,
                                            threads: threads)
                    for j in 0..<count {
                        XCTAssertEqual(column(part, j, columns: count), column(reference, first + j, columns: full),
                                       "rows \(rows): image \(first + j) in a batch of \(count), \(threads) threads")
                    }
                }
            }
        }
    }

    /// GFLOP/s against BLAS for the shapes of a codec decode step (64 output channels, K = 9 * 32). Prints a table;
    /// the sizes are small enough to run in every test pass.
    func testSpeedAgainstBLAS() {
        let rows = 64, inner = 288
        let w = Self.random(rows * inner, seed: 7), x = Self.random(inner * 64, seed: 8)
        let paths = PortableKernels.Path.available
        var lines = ["PortableKernels vs BLAS sgemm, OC \(rows), K \(inner), one thread: nb, GFLOP/s of "
                     + paths.map(\.description).joined(separator: ", ") + ", BLAS"]
        for nb in [1, 2, 4, 8, 13, 16, 32, 50] {
            var y = [Float](repeating: 0, count: rows * nb)
            let flops = Double(2 * rows * inner * nb)
            // Best of 3 runs of at least 10 ms each (bounded time in debug builds too).
            func time(_ body: () -> Void) -> Double {
                var best = Double.infinity
                for _ in 0..<3 {
                    let start = DispatchTime.now().uptimeNanoseconds
                    var calls = 0, elapsed: UInt64 = 0
                    repeat {
                        body()
                        calls += 1
                        elapsed = DispatchTime.now().uptimeNanoseconds - start
                    } while elapsed < 10_000_000
                    best = min(best, Double(elapsed) / Double(calls))
                }
                return flops / best   // FLOP per ns = GFLOP/s
            }
            let portable = paths.map { path in
                w.withUnsafeBufferPointer { w in
                    x.withUnsafeBufferPointer { x in
                        y.withUnsafeMutableBufferPointer { y in
                            time {
                                PortableKernels.matrixProduct(rows: rows, inner: inner, columns: nb, w: w.baseAddress!,
                                                              ldw: inner, x: x.baseAddress!, ldx: 64, y: y.baseAddress!,
                                                              ldy: nb, threads: 1, path: path)
                            }
                        }
                    }
                }
            }
            let blas = w.withUnsafeBufferPointer { w in
                x.withUnsafeBufferPointer { x in
                    y.withUnsafeMutableBufferPointer { y in
                        time {
                            singleThreadedGEMM(transposeA: .none, transposeB: .none, m: rows, n: nb, k: inner, alpha: 1,
                                               a: w.baseAddress!, lda: inner, b: x.baseAddress!, ldb: 64, beta: 1,
                                               c: y.baseAddress!, ldc: nb)
                        }
                    }
                }
            }
            lines.append(String(format: "  nb %2d:", nb) + portable.map { String(format: " %6.2f", $0) }.joined()
                         + String(format: "  %6.2f", blas))
        }
        print(lines.joined(separator: "\n"))
    }
}
