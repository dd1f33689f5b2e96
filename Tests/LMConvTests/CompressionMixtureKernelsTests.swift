import CPortableKernels
import Foundation
import LMConv
import XCTest

/// The mixture probabilities' C kernels (CPortableKernels' logistic component, vectorised across the bin edges):
/// on every instruction-set path this CPU can run, the bits of the Swift code they replaced.
final class CompressionMixtureKernelsTests: XCTestCase {
    /// z values that reach every branch of σ: both signs, zeros, the clamp at 40 and around it, huge, tiny,
    /// subnormal and infinite values, and a dense grid; 10007 of them, so every vector tail length occurs.
    static func arguments() -> [Double] {
        var z: [Double] = [0, -0.0, 40, -40, 40.nextUp, 40.nextDown, (-40.0).nextUp, (-40.0).nextDown, 1e300, -1e300,
                           .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                           .leastNormalMagnitude, 1e-20, -1e-20, 0.5, -0.5, Double.ulpOfOne, 709, -745]
        var rng = Xoshiro256(seed: 21)
        while z.count < 6000 { z.append(Double(rng.nextNormal()) * [0.01, 1, 8, 30, 100][z.count % 5]) }
        var i = 0
        while z.count < 10007 { z.append(-60 + Double(i) * 0.03); i += 1 }
        return z
    }

    func testLogisticCDFOnEveryPathIsTheSwiftFunctionsBits() {
        let z = Self.arguments()
        let expected = z.map { PortableMath.logisticCDF($0).bitPattern }
        for path in PortableKernels.Path.available {
            for count in [z.count, 1, 3, 7, 9, 255] {   // short arrays: the scalar tails alone, or a vector and a tail
                var out = [Double](repeating: .nan, count: count)
                z.withUnsafeBufferPointer { z in
                    out.withUnsafeMutableBufferPointer { lmconv_logistic_cdf_path(path.rawValue, z.baseAddress!, count, $0.baseAddress!) }
                }
                for i in 0..<count where out[i].bitPattern != expected[i] {
                    XCTFail("\(path), \(count) values: σ(\(z[i])) = \(out[i]), Swift \(PortableMath.logisticCDF(z[i]))")
                    break
                }
            }
        }
    }

    /// DiscretizedLogisticMixture.probabilities as it was in Swift before the C kernels: the reference sequence.
    static func swiftProbabilities(_ mixture: DiscretizedLogisticMixture) -> [Double] {
        let m = mixture.logits.count, l = mixture.levels
        var largest = -Double.infinity
        for v in mixture.logits where v > largest { largest = v }
        var weights = [Double](repeating: 0, count: m)
        var weightSum = 0.0
        for k in 0..<m {
            weights[k] = PortableMath.exp(mixture.logits[k] - largest)
            weightSum += weights[k]
        }
        let denominator = Double(l - 1)
        var edges = [Double](repeating: 0, count: l - 1)
        for i in 0..<(l - 1) { edges[i] = Double(2 * i + 1) / denominator - 1 }
        var p = [Double](repeating: 0, count: l)
        var cdf = [Double](repeating: 0, count: l - 1)
        for k in 0..<m {
            let weight = weights[k] / weightSum
            if weight < 1e-15 { continue }
            let inverseScale = PortableMath.exp(-Swift.max(mixture.logScales[k], -7))
            let mean = mixture.means[k]
            for i in 0..<(l - 1) { cdf[i] = PortableMath.logisticCDF(inverseScale * (edges[i] - mean)) }
            var below = 0.0
            for i in 0..<(l - 1) {
                p[i] += weight * (cdf[i] - below)
                below = cdf[i]
            }
            p[l - 1] += weight * (1 - below)
        }
        return p
    }

    func testMixtureProbabilitiesOnEveryPathAreTheSwiftLoopsBits() {
        var rng = Xoshiro256(seed: 22)
        let paths = PortableKernels.Path.available
        for trial in 0..<400 {
            let levels = [2, 3, 4, 5, 9, 16, 17, 32, 255, 256, 1024][trial % 11]
            let m = 1 + trial % 10
            // Logits far apart too (components below the 1e-15 weight cut), means inside and beyond [-1, 1],
            // log-scales below the clamp at -7 and up to 3.
            let logits = (0..<m).map { _ in Double(rng.nextNormal()) * (trial % 3 == 0 ? 20 : 2) }
            let means = (0..<m).map { _ in Double(rng.nextNormal()) * 0.8 }
            let logScales = (0..<m).map { _ in Double(rng.nextUniform()) * 11 - 8 }
            let mixture = DiscretizedLogisticMixture(logits: logits, means: means, logScales: logScales, levels: levels)
            let expected = Self.swiftProbabilities(mixture).map(\.bitPattern)
            XCTAssertEqual(mixture.probabilities().map(\.bitPattern), expected, "trial \(trial), best path")
            for path in paths {
                XCTAssertEqual(mixture.probabilities(path: path).map(\.bitPattern), expected, "trial \(trial), \(path)")
            }
        }
    }

    /// Microseconds per 10-component, 256-level mixture on each path (printed; a decode spends most of this
    /// function's time there).
    func testSpeedPerPath() {
        var rng = Xoshiro256(seed: 23)
        let mixtures = (0..<64).map { _ in
            DiscretizedLogisticMixture(logits: (0..<10).map { _ in Double(rng.nextNormal()) },
                                       means: (0..<10).map { _ in Double(rng.nextNormal()) * 0.5 },
                                       logScales: (0..<10).map { _ in Double(rng.nextUniform()) * 4 - 5 }, levels: 256)
        }
        var lines = ["DiscretizedLogisticMixture.probabilities, 10 components, 256 levels: µs per mixture"]
        var sink = 0.0
        func time(_ body: (DiscretizedLogisticMixture) -> [Double]) -> Double {
            var best = Double.infinity
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                var calls = 0, elapsed: UInt64 = 0
                repeat {
                    sink += body(mixtures[calls % 64])[calls % 256]
                    calls += 1
                    elapsed = DispatchTime.now().uptimeNanoseconds - start
                } while elapsed < 20_000_000
                best = min(best, Double(elapsed) / Double(calls) / 1000)
            }
            return best
        }
        lines.append(String(format: "  Swift loop (the reference): %.2f", time(Self.swiftProbabilities)))
        for path in PortableKernels.Path.available {
            lines.append("  \(path): " + String(format: "%.2f", time { $0.probabilities(path: path) }))
        }
        print(lines.joined(separator: "\n"))
        XCTAssertTrue(sink.isFinite)
    }
}
