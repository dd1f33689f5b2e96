import Foundation
import LMConv
import LMConvTensor
import XCTest

/// PortableMath against correctly rounded references (glibc in Float80) over wide ranges and special values, in ulps,
/// and its output bits pinned by checksums.
final class CompressionPortableMathTests: XCTestCase {
    /// The distance in ulps between two doubles (0 for equal values and for two NaNs; huge across signs).
    static func ulps(_ a: Double, _ b: Double) -> Double {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : .infinity }
        if a == b { return 0 }
        func ordered(_ x: Double) -> Int64 {
            let bits = Int64(bitPattern: x.bitPattern)
            return bits < 0 ? Int64.min &- bits : bits
        }
        return Double(ordered(a).subtractingReportingOverflow(ordered(b)).partialValue.magnitude)
    }

    /// Inputs: `count` values uniform in `range`, plus `count` with exponents uniform over `range`'s magnitudes.
    static func inputs(_ range: ClosedRange<Double>, count: Int, seed: UInt64) -> [Double] {
        var rng = Xoshiro256(seed: seed)
        var xs: [Double] = []
        for _ in 0..<count {
            let u = Double(rng.next() >> 11) * 0x1p-53
            xs.append(range.lowerBound + u * (range.upperBound - range.lowerBound))
        }
        let largest = max(abs(range.lowerBound), abs(range.upperBound))
        for _ in 0..<count {
            let u = Double(rng.next() >> 11) * 0x1p-53
            let magnitude = Foundation.exp2(-60 + u * (Foundation.log2(largest) + 60))
            let x = rng.next() & 1 == 0 ? magnitude : -magnitude
            if range.contains(x) { xs.append(x) }
        }
        return xs
    }

    /// The worst ulp error of `f` against `reference` over `xs`, failing above `tolerance`.
    @discardableResult
    static func check(_ name: String, _ xs: [Double], tolerance: Double, _ f: (Double) -> Double,
                      _ reference: (Double) -> Double, file: StaticString = #filePath, line: UInt = #line) -> Double {
        var worst = 0.0, worstX = 0.0
        for x in xs {
            let e = ulps(f(x), reference(x))
            if e > worst { worst = e; worstX = x }
        }
        XCTAssertLessThanOrEqual(worst, tolerance, "\(name): \(worst) ulp at x = \(worstX)", file: file, line: line)
        print("PortableMath.\(name): worst \(worst) ulp over \(xs.count) inputs")
        return worst
    }

    // References computed in Float80 (64-bit significand) and rounded: correctly rounded but for rare ties.
    static func exp80(_ x: Double) -> Double { Double(Foundation.exp(Float80(x))) }
    static func log80(_ x: Double) -> Double { Double(Foundation.log(Float80(x))) }

    static let specials: [Double] = [0, -0.0, .infinity, -.infinity, .nan, 1, -1, 2, 0.5, .leastNonzeroMagnitude,
                                     -.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                                     -.greatestFiniteMagnitude, 709.782712893383973096, 709.79, -745.13321910194110842,
                                     -745.14, -708.4, 1e-300, -1e-300, 0x1p-28, -0x1p-28, 22, -22, 40, -40]

    func testExp() {
        let xs = Self.inputs(-746...710, count: 100_000, seed: 1) + Self.inputs(-1...1, count: 50_000, seed: 2)
            + Self.inputs(-745.2 ... -700, count: 20_000, seed: 3) + Self.specials
        Self.check("exp", xs, tolerance: 1, PortableMath.exp, Self.exp80)
        XCTAssertEqual(D.exp(0), 1)
        XCTAssertEqual(D.exp(-Double.infinity), 0)
        XCTAssertEqual(D.exp(Double.infinity), .infinity)
        XCTAssertEqual(D.exp(710), .infinity)
        XCTAssertEqual(D.exp(-746), 0)
        XCTAssertEqual(D.exp(-745.1), Double.leastNonzeroMagnitude)
    }

    func testLog() {
        var rng = Xoshiro256(seed: 4)
        // Every positive finite double is reachable: random bit patterns below +inf, subnormals included.
        var xs = (0..<100_000).map { _ in Double(bitPattern: rng.next() % 0x7FF0_0000_0000_0000) }
        xs += Self.inputs(0.5...2, count: 50_000, seed: 5)
        for e in 1...60 {
            let step = Double(sign: .plus, exponent: -e, significand: 1)
            xs += [1 + step, 1 - step]
        }
        xs += Self.specials + [-1e-300, -5]
        Self.check("log", xs, tolerance: 1, PortableMath.log, Self.log80)
        XCTAssertEqual(D.log(1), 0)
        XCTAssertEqual(D.log(0), -.infinity)
        XCTAssertEqual(D.log(-0.0), -.infinity)
        XCTAssertTrue(D.log(-1).isNaN)
        XCTAssertEqual(D.log(.infinity), .infinity)
    }

    func testLog1pAndExpm1() {
        let xs = Self.inputs(-1...1e300, count: 100_000, seed: 6) + Self.inputs(-1...1, count: 50_000, seed: 7)
            + Self.specials + [-1 + 0x1p-52, -0.999_999]
        Self.check("log1p", xs, tolerance: 2, PortableMath.log1p) { Double(Foundation.log1p(Float80($0))) }
        XCTAssertEqual(D.log1p(-1), -.infinity)
        XCTAssertTrue(D.log1p(-2).isNaN)
        XCTAssertEqual(D.log1p(1e-300), 1e-300)

        let ys = Self.inputs(-60...709.7, count: 100_000, seed: 8) + Self.inputs(-1...1, count: 50_000, seed: 9)
            + Self.specials
        Self.check("expm1", ys, tolerance: 2, PortableMath.expm1) { Double(Foundation.expm1(Float80($0))) }
        XCTAssertEqual(D.expm1(-0.0).sign, .minus)
        XCTAssertEqual(D.expm1(-1000), -1)
        XCTAssertEqual(D.expm1(1e-300), 1e-300)
    }

    func testSigmoidSoftplusTanhElu() {
        let xs = Self.inputs(-800...800, count: 60_000, seed: 10) + Self.inputs(-40...40, count: 60_000, seed: 11)
            + Self.specials
        Self.check("sigmoid", xs, tolerance: 2, PortableMath.sigmoid) { x in
            let e = Foundation.exp(-Float80(x))
            return Double(1 / (1 + e))
        }
        Self.check("softplus", xs, tolerance: 3, PortableMath.softplus) { x in
            let x80 = Float80(x)
            return Double(x80 > 0 ? x80 + Foundation.log1p(Foundation.exp(-x80)) : Foundation.log1p(Foundation.exp(x80)))
        }
        Self.check("tanh", xs, tolerance: 3, PortableMath.tanh) { Double(Foundation.tanh(Float80($0))) }
        Self.check("elu", xs, tolerance: 2, PortableMath.elu) { $0 > 0 ? $0 : Double(Foundation.expm1(Float80($0))) }
        XCTAssertEqual(D.sigmoid(0), 0.5)
        XCTAssertEqual(D.sigmoid(-.infinity), 0)
        XCTAssertEqual(D.sigmoid(.infinity), 1)
        XCTAssertEqual(D.softplus(-.infinity), 0)
        XCTAssertEqual(D.softplus(.infinity), .infinity)
        XCTAssertEqual(D.tanh(.infinity), 1)
        XCTAssertEqual(D.tanh(-.infinity), -1)
        XCTAssertEqual(D.elu(-.infinity), -1)
        for f in [D.sigmoid, D.softplus, D.tanh, D.elu] {
            XCTAssertTrue(f(.nan).isNaN)
        }
    }

    func testFloatVersionsAreWithinOneUlp() {
        var rng = Xoshiro256(seed: 12)
        var worst: Float = 0
        for _ in 0..<50_000 {
            let x = (rng.nextUniform() - 0.5) * 160
            // References: Float80, rounded once to Float (correctly rounded but for rare ties).
            let x80 = Float80(x)
            let sigmoid = Float(1 / (1 + Foundation.exp(-x80)))
            let elu: Float = x > 0 ? x : Float(Foundation.expm1(x80))
            var pairs: [(Float, Float)] = []
            pairs.append((PortableMath.exp(x), Float(Foundation.exp(x80))))
            pairs.append((PortableMath.log(abs(x)), Float(Foundation.log(abs(x80)))))
            pairs.append((PortableMath.tanh(x), Float(Foundation.tanh(x80))))
            pairs.append((PortableMath.elu(x), elu))
            pairs.append((PortableMath.sigmoid(x), sigmoid))
            for (a, b) in pairs where a != b {
                worst = max(worst, abs(a - b) / b.ulp)
            }
        }
        XCTAssertLessThanOrEqual(worst, 1, "Float versions: worst \(worst) ulp against correctly rounded values")
    }

    /// CRC-32 of the output bits over fixed inputs: the values these functions must give on every machine
    /// (recorded on x86-64 Linux; a platform that differs fails here before it makes undecodable files).
    func testOutputBitsArePinned() {
        var rng = Xoshiro256(seed: 99)
        let xs = (0..<4096).map { _ in Double(rng.next() >> 11) * 0x1p-53 * 80 - 40 }
        func checksum(_ f: (Double) -> Double) -> UInt32 {
            var bytes: [UInt8] = []
            for x in xs {
                let bits = f(x).bitPattern
                for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * i))) }
            }
            return ZlibCodec.crc32(bytes[...])
        }
        let positive = { (f: @escaping (Double) -> Double) in { (x: Double) in f(abs(x) + 1e-3) } }
        let observed: [String: UInt32] = [
            "exp": checksum(PortableMath.exp), "log": checksum(positive(PortableMath.log)),
            "log1p": checksum(positive(PortableMath.log1p)), "expm1": checksum(PortableMath.expm1),
            "sigmoid": checksum(PortableMath.sigmoid), "softplus": checksum(PortableMath.softplus),
            "tanh": checksum(PortableMath.tanh), "elu": checksum(PortableMath.elu),
        ]
        let expected: [String: UInt32] = Self.pinnedChecksums
        if expected.isEmpty { print("PortableMath checksums: \(observed.sorted { $0.key < $1.key })") }
        XCTAssertEqual(observed, expected)
    }

    static let pinnedChecksums: [String: UInt32] = [
        "elu": 2_383_021_824, "exp": 173_165_613, "expm1": 522_481_561, "log": 3_602_545_571,
        "log1p": 2_495_973_583, "sigmoid": 2_105_079_438, "softplus": 700_637_003, "tanh": 470_112_694,
    ]
}

/// PortableMath's Double functions by name, so that literal arguments are not ambiguous with the Float ones.
private enum D {
    static func exp(_ x: Double) -> Double { PortableMath.exp(x) }
    static func log(_ x: Double) -> Double { PortableMath.log(x) }
    static func log1p(_ x: Double) -> Double { PortableMath.log1p(x) }
    static func expm1(_ x: Double) -> Double { PortableMath.expm1(x) }
    static func sigmoid(_ x: Double) -> Double { PortableMath.sigmoid(x) }
    static func softplus(_ x: Double) -> Double { PortableMath.softplus(x) }
    static func tanh(_ x: Double) -> Double { PortableMath.tanh(x) }
    static func elu(_ x: Double) -> Double { PortableMath.elu(x) }
}

/// The codec's branch-free logistic CDF: within 1e-12 (relative, and absolute near 0 and 1) of a careful reference,
/// exactly 0.5 at 0, symmetric, monotone, and saturating beyond |z| = 40.
final class PortableLogisticCDFTests: XCTestCase {
    func testAccuracySymmetryAndMonotonicity() {
        var rng = Xoshiro256(seed: 12)
        var previous = 0.0
        for i in 0...8000 {
            let z = -60 + Double(i) * 0.015
            let v = PortableMath.logisticCDF(z)
            let reference = z >= 0 ? 1 / (1 + Foundation.exp(-z)) : Foundation.exp(z) / (1 + Foundation.exp(z))
            if abs(z) <= 40 {
                XCTAssertEqual(v, reference, accuracy: 1e-12 * reference, "z = \(z)")
                XCTAssertEqual(v + PortableMath.logisticCDF(-z), 1, accuracy: 1e-15, "z = \(z)")
            }
            XCTAssertGreaterThanOrEqual(v, previous, "not monotone at z = \(z)")
            previous = v
        }
        XCTAssertEqual(PortableMath.logisticCDF(0), 0.5)
        XCTAssertEqual(PortableMath.logisticCDF(1e6), PortableMath.logisticCDF(40))
        for _ in 0..<1000 {
            let z = Double(rng.nextNormal()) * 8
            XCTAssertEqual(PortableMath.logisticCDF(z), PortableMath.sigmoid(z), accuracy: 1e-13)
        }
    }
}
