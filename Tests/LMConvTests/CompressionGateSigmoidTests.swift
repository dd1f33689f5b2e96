import Foundation
import LMConv
import XCTest

/// The gated resnets' σ in the codec's arithmetic (CPortableKernels' gate sigmoid, vectorised over the elements): on
/// every instruction-set path this CPU can run, exactly the bits of PortableMath.sigmoid, which the decoder's network
/// used before (a differing bit would make old .lmc files undecodable).
final class CompressionGateSigmoidTests: XCTestCase {
    /// Floats that reach every branch of exp for a = -|x|: zeros, the |a| < 2^-28 and |a| <= ln 2 / 2 cases and
    /// their edges, the general reduction, where σ rounds to 0 or 1 in Float, exp's subnormal range (a < -708.4) and
    /// underflow (a < -745.1), the largest floats, infinities and subnormals.
    static func specialValues() -> [Float] {
        var values: [Float] = [0, -0.0, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                               .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, 1, -1]
        for center: Float in [0x1p-28, 0.346_573_59, 17, 88.7, 103.9, 104, 708.39, 709, 745.13, 746, 1e4] {
            var below = center, above = center
            for _ in 0..<8 {
                values += [below, above, -below, -above]
                below = below.nextDown
                above = above.nextUp
            }
        }
        return values
    }

    func testEveryPathGivesPortableMathsBitsOnSpecialValues() {
        check(Self.specialValues(), label: "special values")
        // NaN stays NaN.
        for path in PortableKernels.Path.available {
            var x: [Float] = [.nan, 1, .nan]
            x.withUnsafeMutableBufferPointer { PortableKernels.sigmoid($0.baseAddress!, count: 3, path: path) }
            XCTAssertTrue(x[0].isNaN && x[2].isNaN, "\(path): σ(NaN) = \(x[0])")
            XCTAssertEqual(x[1].bitPattern, PortableMath.sigmoid(Float(1)).bitPattern)
        }
    }

    /// One float in every 4099 bit patterns (about a million, both signs and every exponent), in blocks whose
    /// lengths cover every vector tail.
    func testEveryPathGivesPortableMathsBitsOnASweepOfAllFloats() {
        var values: [Float] = []
        var bits: UInt64 = 0
        while bits <= UInt64(UInt32.max) {
            let x = Float(bitPattern: UInt32(bits))
            if !x.isNaN { values.append(x) }
            bits += 4099
        }
        check(values, label: "sweep")
    }

    func testEveryPathGivesPortableMathsBitsOnGateValuesInShortBlocks() {
        // In the network's range, in blocks of 1 to 40 (one image chunk's F * nb values are at most a few thousand).
        var rng = Xoshiro256(seed: 5)
        let values = (0..<4000).map { _ in Float(rng.nextNormal()) * 6 }
        check(values, label: "gate values", blocks: Array(1...40))
    }

    private func check(_ values: [Float], label: String, blocks: [Int] = [1, 3, 7, 15, 17, 33, 1_000_000]) {
        let expected = values.map { PortableMath.sigmoid($0).bitPattern }
        for path in PortableKernels.Path.available {
            var x = values
            var start = 0, b = 0
            x.withUnsafeMutableBufferPointer { x in
                while start < values.count {
                    let n = min(blocks[b % blocks.count], values.count - start)
                    PortableKernels.sigmoid(x.baseAddress! + start, count: n, path: path)
                    start += n
                    b += 1
                }
            }
            var failures = 0
            for i in values.indices where x[i].bitPattern != expected[i] {
                failures += 1
                if failures <= 3 {
                    XCTFail("\(path), \(label): σ(\(values[i])) = \(x[i]), PortableMath \(PortableMath.sigmoid(values[i]))")
                }
            }
            XCTAssertEqual(failures, 0, "\(path), \(label): \(failures) of \(values.count) differ")
        }
    }
}
