import LMConvTensor
import TestSupport
import XCTest

final class GEMMTests: XCTestCase {
    func testBLASMatchesReferenceForEveryTransposeCombination() {
        var rng = SystemRandomNumberGenerator()
        let (m, n, k) = (7, 5, 11)
        for ta in [Transpose.none, .transposed] {
            for tb in [Transpose.none, .transposed] {
                let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
                let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
                let c0 = (0..<(m * n)).map { _ in Float.random(in: -1...1, using: &rng) }
                var fast = c0, plain = c0
                let lda = ta == .none ? k : m, ldb = tb == .none ? n : k
                gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb,
                     beta: 2, c: &fast, ldc: n)
                referenceGEMM(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b,
                              ldb: ldb, beta: 2, c: &plain, ldc: n)
                assertClose(fast, plain, relativeTolerance: 1e-5, absoluteTolerance: 1e-5)
            }
        }
    }
}
