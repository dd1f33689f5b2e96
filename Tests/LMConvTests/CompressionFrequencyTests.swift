import Foundation
import LMConv
import LMConvTensor
import XCTest

/// Frequencies from probabilities, binary logits and discretized logistic mixtures: valid tables, close to the
/// probabilities, agreeing with the likelihood's formulas (SPEC section 6), and pinned bits.
final class CompressionFrequencyTests: XCTestCase {
    static let total = Int(RANS.totalFrequency)

    static func assertValid(_ f: [UInt32], count: Int, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(f.count, count, message, file: file, line: line)
        XCTAssertEqual(f.reduce(0) { $0 + Int($1) }, total, "sum: \(message)", file: file, line: line)
        XCTAssertFalse(f.contains(0), "a zero frequency: \(message)", file: file, line: line)
    }

    func testQuantizedFrequenciesAreValidAndClose() {
        var rng = Xoshiro256(seed: 1)
        for trial in 0..<300 {
            let n = [1, 2, 3, 5, 17, 64, 255, 256][trial % 8]
            let skew = Double(trial % 10) * 3
            let p = (0..<n).map { _ in Foundation.pow(10, -skew * Double(rng.nextUniform())) }
            let sum = p.reduce(0, +)
            let f = quantizeFrequencies(probabilities: p)
            Self.assertValid(f, count: n, "trial \(trial)")
            // Each level is within n units (the floor, the reserved 1, the leftover) of p * 2^24.
            for i in 0..<n {
                XCTAssertEqual(Double(f[i]), p[i] / sum * Double(Self.total), accuracy: Double(n + 1), "trial \(trial) level \(i)")
            }
        }
    }

    func testQuantizingDegenerateInputs() {
        let cases: [(String, [Double])] = [
            ("one certain level", [0, 0, 1, 0]), ("all zero", [0, 0, 0]), ("NaN and inf", [.nan, .infinity, 1, -.infinity]),
            ("negative", [-1, 2, 3]), ("subnormal beside 1", [.leastNonzeroMagnitude, 1]), ("huge", [1e308, 1e308, 1e308]),
            ("single level", [0.3]), ("all NaN", [.nan, .nan]),
        ]
        for (name, p) in cases {
            Self.assertValid(quantizeFrequencies(probabilities: p), count: p.count, name)
        }
        XCTAssertEqual(quantizeFrequencies(probabilities: [0, 0, 1, 0]), [1, 1, RANS.totalFrequency - 3, 1])
        XCTAssertEqual(quantizeFrequencies(probabilities: [0, 0]), [1 << 23, 1 << 23])
        XCTAssertEqual(quantizeFrequencies(probabilities: [1e308, 1e308, 1e308]), quantizeFrequencies(probabilities: [1, 1, 1]))
        XCTAssertEqual(quantizeFrequencies(probabilities: [0.25, 0.75], precisionBits: 4), [4, 12])
        // All 2^24 units to 2^24 levels is the limit: every level exactly 1.
        XCTAssertEqual(quantizeFrequencies(probabilities: [1, 2, 3, 4], precisionBits: 2), [1, 1, 1, 1])
    }

    func testBinaryFrequencies() {
        XCTAssertEqual(binaryFrequencies(logitMinus: 0, logitPlus: 0), [1 << 23, 1 << 23])
        XCTAssertEqual(binaryFrequencies(logitMinus: 3, logitPlus: 3), [1 << 23, 1 << 23])
        XCTAssertEqual(binaryFrequencies(logitMinus: 0, logitPlus: 1000), [1, RANS.totalFrequency - 1])
        XCTAssertEqual(binaryFrequencies(logitMinus: 1000, logitPlus: 0), [RANS.totalFrequency - 1, 1])
        XCTAssertEqual(binaryFrequencies(logitMinus: .nan, logitPlus: 0), [1 << 23, 1 << 23])
        XCTAssertEqual(binaryFrequencies(logitMinus: .infinity, logitPlus: .infinity), [1 << 23, 1 << 23])
        var rng = Xoshiro256(seed: 2)
        for _ in 0..<1000 {
            let l0 = Double(rng.nextNormal()) * 5, l1 = Double(rng.nextNormal()) * 5
            let f = binaryFrequencies(logitMinus: l0, logitPlus: l1)
            Self.assertValid(f, count: 2, "logits \(l0), \(l1)")
            let p = 1 / (1 + Foundation.exp(l0 - l1))
            XCTAssertEqual(Double(f[1]), p * Double(Self.total), accuracy: 1.001)
        }
    }

    /// The likelihood's log-probability of one component at level `i` of `levels` (SPEC section 6), in Foundation's
    /// double arithmetic, for the bins where it is exact (not the tiny-bin approximation).
    static func specProbability(level i: Int, levels: Int, mean: Double, logScale: Double) -> Double {
        let h = 1 / Double(levels - 1), x = 2 * Double(i) / Double(levels - 1) - 1
        let s = max(logScale, -7), inverseScale = Foundation.exp(-s)
        func sigmoid(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
        let plus = inverseScale * (x - mean + h), minus = inverseScale * (x - mean - h)
        if x < -0.999 { return sigmoid(plus) }
        if x > 0.999 { return 1 - sigmoid(minus) }
        return sigmoid(plus) - sigmoid(minus)
    }

    func testMixtureMatchesTheLikelihoodAndSumsToOne() {
        var rng = Xoshiro256(seed: 3)
        for trial in 0..<60 {
            let levels = [2, 4, 32, 256][trial % 4]
            let m = [1, 3, 5, 10][trial % 4]
            let logits = (0..<m).map { _ in Double(rng.nextNormal()) * 2 }
            // Means inside and beyond [-1, 1]; log-scales down to below the clamp.
            let means = (0..<m).map { _ in Double(rng.nextNormal()) * 0.8 }
            let logScales = (0..<m).map { _ in Double(rng.nextUniform()) * 9 - 8 }
            let mixture = DiscretizedLogisticMixture(logits: logits, means: means, logScales: logScales, levels: levels)
            let p = mixture.probabilities()
            XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-12, "trial \(trial)")
            let largest = logits.max()!
            let weights = logits.map { Foundation.exp($0 - largest) }
            let weightSum = weights.reduce(0, +)
            for i in 0..<levels {
                var expected = 0.0
                for k in 0..<m {
                    expected += weights[k] / weightSum
                        * Self.specProbability(level: i, levels: levels, mean: means[k], logScale: logScales[k])
                }
                XCTAssertEqual(p[i], expected, accuracy: 1e-13 + 1e-10 * expected, "trial \(trial), level \(i) of \(levels)")
            }
            Self.assertValid(mixture.frequencies(), count: levels, "trial \(trial)")
        }
    }

    func testMixtureEdgeCases() {
        // Log-scales below -7 are clamped like the likelihood's.
        let clamped = DiscretizedLogisticMixture(logits: [0], means: [0.1], logScales: [-30], levels: 256)
        let atClamp = DiscretizedLogisticMixture(logits: [0], means: [0.1], logScales: [-7], levels: 256)
        XCTAssertEqual(clamped.probabilities(), atClamp.probabilities())
        // A sharp component centred on a level: nearly all the mass there, still a valid table.
        let level = 77, centre = DiscretizedLogisticMixture.value(ofLevel: level, levels: 256)
        let sharp = DiscretizedLogisticMixture(logits: [0], means: [centre], logScales: [-7], levels: 256)
        let f = sharp.frequencies()
        Self.assertValid(f, count: 256, "sharp")
        XCTAssertGreaterThan(Double(f[level]) / Double(Self.total), 0.97)   // σ(h e^7) - σ(-h e^7) = 0.973
        // Means far outside [-1, 1]: the mass goes to the end levels (x at ±1 take the tails).
        let low = DiscretizedLogisticMixture(logits: [0], means: [-50], logScales: [-3], levels: 16).frequencies()
        let high = DiscretizedLogisticMixture(logits: [0], means: [50], logScales: [-3], levels: 16).frequencies()
        XCTAssertEqual(low[0], RANS.totalFrequency - 15)
        XCTAssertEqual(high[15], RANS.totalFrequency - 15)
        // Extreme logits pick one component.
        let picked = DiscretizedLogisticMixture(logits: [-1000, 1000], means: [-0.5, 0.5], logScales: [-4, -4], levels: 64)
        let only = DiscretizedLogisticMixture(logits: [0], means: [0.5], logScales: [-4], levels: 64)
        XCTAssertEqual(picked.probabilities(), only.probabilities())
        // NaN parameters still give a valid (uniform) table, identically on both sides.
        Self.assertValid(DiscretizedLogisticMixture(logits: [.nan], means: [0], logScales: [0], levels: 8).frequencies(),
                         count: 8, "NaN logit")
        XCTAssertEqual(DiscretizedLogisticMixture.value(ofLevel: 0, levels: 256), -1)
        XCTAssertEqual(DiscretizedLogisticMixture.value(ofLevel: 255, levels: 256), 1)
        XCTAssertEqual(DiscretizedLogisticMixture.conditionedMean(0.25, coefficientPreActivations: [], previousValues: []), 0.25)
        XCTAssertEqual(DiscretizedLogisticMixture.conditionedMean(0.25, coefficientPreActivations: [0.5, -1],
                                                                  previousValues: [0.5, 1]),
                       0.25 + Foundation.tanh(0.5) * 0.5 - Foundation.tanh(1), accuracy: 1e-15)
    }

    /// The frequencies for fixed parameters, pinned by a CRC: what every machine must compute (recorded on
    /// x86-64 Linux).
    func testFrequencyBitsArePinned() {
        var rng = Xoshiro256(seed: 42)
        var bytes: [UInt8] = []
        for trial in 0..<64 {
            let m = 5, levels = [256, 32, 2, 4][trial % 4]
            let mixture = DiscretizedLogisticMixture(
                logits: (0..<m).map { _ in Double(rng.nextNormal()) }, means: (0..<m).map { _ in Double(rng.nextNormal()) * 0.6 },
                logScales: (0..<m).map { _ in Double(rng.nextUniform()) * 6 - 7 }, levels: levels)
            let binary = binaryFrequencies(logitMinus: Double(rng.nextNormal()) * 4, logitPlus: Double(rng.nextNormal()) * 4)
            for f in mixture.frequencies() + binary {
                for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: f >> (8 * i))) }
            }
        }
        let crc = ZlibCodec.crc32(bytes[...])
        XCTAssertEqual(crc, Self.pinnedCRC, "frequency bits changed: \(crc)")
    }

    static let pinnedCRC: UInt32 = 2_841_287_245

    /// quantizeFrequencies as it was written in Swift before it moved to C: the reference the C code must match.
    static func swiftQuantize(_ probabilities: [Double], precisionBits: Int) -> [UInt32] {
        let n = probabilities.count, total = 1 << precisionBits
        var weights = probabilities.map { $0.isFinite && $0 > 0 ? $0 : 0 }
        var largest = 0.0
        for w in weights where w > largest { largest = w }
        if largest > 0 {
            for i in 0..<n { weights[i] = weights[i] / largest }
        } else {
            weights = [Double](repeating: 1, count: n)
        }
        var sum = 0.0
        for w in weights { sum += w }
        let spare = Double(total - n), scale = spare / sum
        var frequencies = [UInt32](repeating: 1, count: n)
        var assigned = 0, most = 0
        for i in 0..<n {
            frequencies[i] = 1 + UInt32(Swift.min((weights[i] * scale).rounded(.down), spare))
            assigned += Int(frequencies[i])
            if frequencies[i] > frequencies[most] { most = i }
        }
        frequencies[most] = UInt32(Int(frequencies[most]) + total - assigned)
        return frequencies
    }

    /// The C quantizer gives the Swift reference's frequencies: mixtures' probabilities, random weights of every
    /// scale, ties, zeros, negative, NaN and infinite entries, one level, and every precision the coder could use.
    func testQuantizationMatchesTheSwiftReference() {
        var rng = Xoshiro256(seed: 11)
        var cases: [([Double], Int)] = [([1], 24), ([0], 24), ([.nan, .infinity, -1], 24), ([0.5, 0.5], 1),
                                        ([1, 1, 1, 1], 2), ([1e-300, 1e300, 0], 24), ([3, 3, 1], 31)]
        for trial in 0..<400 {
            let n = [2, 4, 32, 256, 255, 7][trial % 6]
            var p = (0..<n).map { _ in exp(Double(rng.nextNormal()) * [1, 5, 30][trial % 3]) }
            if trial % 5 == 0 { p[trial % n] = [.nan, -.infinity, .infinity, -2, 0][(trial / 5) % 5] }
            if trial % 7 == 0 { for i in stride(from: 0, to: n, by: 2) { p[i] = p[0] } }   // ties
            cases.append((p, [24, 16, 12, 31][trial % 4]))
        }
        for _ in 0..<200 {
            let mixture = DiscretizedLogisticMixture(
                logits: (0..<10).map { _ in Double(rng.nextNormal()) }, means: (0..<10).map { _ in Double(rng.nextNormal()) * 0.6 },
                logScales: (0..<10).map { _ in Double(rng.nextUniform()) * 7 - 7 }, levels: 256)
            cases.append((mixture.probabilities(), 24))
        }
        for (p, bits) in cases {
            let expected = Self.swiftQuantize(p, precisionBits: bits)
            let got = quantizeFrequencies(probabilities: p, precisionBits: bits)
            XCTAssertEqual(got, expected, "\(p.count) levels at \(bits) bits: \(p.prefix(4))...")
            XCTAssertEqual(got.reduce(0) { $0 + Int($1) }, 1 << bits)
        }
    }

    /// Prints what one sub-pixel's table costs (256 levels, 10 components: 2550 sigmoids).
    func testMixtureFrequencySpeed() {
        var rng = Xoshiro256(seed: 7)
        let mixtures = (0..<64).map { _ in
            DiscretizedLogisticMixture(logits: (0..<10).map { _ in Double(rng.nextNormal()) },
                                       means: (0..<10).map { _ in Double(rng.nextNormal()) * 0.5 },
                                       logScales: (0..<10).map { _ in Double(rng.nextUniform()) * 4 - 6 }, levels: 256)
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var calls = 0, checksum: UInt32 = 0
        repeat {
            checksum &+= mixtures[calls % 64].frequencies()[calls % 256]
            calls += 1
        } while DispatchTime.now().uptimeNanoseconds - start < 20_000_000
        let microseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(calls)
        print(String(format: "mixture frequencies (256 levels, 10 components): %.1f µs per sub-pixel", microseconds)
            + " (checksum \(checksum))")
    }
}
