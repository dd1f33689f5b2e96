import Foundation
import LMConv
import LMConvTensor
import XCTest

/// The rANS coder: exact round trips, coded length against the information content, extreme distributions, and
/// bad streams that must throw rather than trap or loop.
final class CompressionRANSTests: XCTestCase {
    /// A random table over `n` levels: probabilities with exponents spread over `skew` decades.
    static func randomTable(_ n: Int, skew: Double, _ rng: inout Xoshiro256) -> FrequencyTable {
        let weights = (0..<n).map { _ in Foundation.pow(10, -skew * Double(rng.nextUniform())) }
        return try! FrequencyTable(frequencies: quantizeFrequencies(probabilities: weights))
    }

    /// A symbol drawn from `table`'s own distribution.
    static func sample(_ table: FrequencyTable, _ rng: inout Xoshiro256) -> Int {
        let slot = UInt32(rng.next() % UInt64(RANS.totalFrequency))
        return table.cumulative.lastIndex { $0 <= slot }!.clamped(to: 0..<table.count)
    }

    /// -log2(f / 2^24) summed over the coded symbols.
    static func information(_ symbols: [Int], _ tables: [FrequencyTable]) -> Double {
        zip(symbols, tables).reduce(0) { $0 + 24 - Foundation.log2(Double($1.1.frequencies[$1.0])) }
    }

    static func roundTrip(_ symbols: [Int], _ tables: [FrequencyTable], file: StaticString = #filePath,
                          line: UInt = #line) throws -> [UInt8] {
        var encoder = RANSEncoder()
        for (s, t) in zip(symbols, tables) { encoder.encode(s, in: t) }
        let bytes = encoder.finish()
        var decoder = try RANSDecoder(bytes, source: "test stream")
        var decoded: [Int] = []
        for t in tables { decoded.append(try decoder.decode(in: t)) }
        try decoder.finish()
        XCTAssertEqual(decoded, symbols, "round trip", file: file, line: line)
        return bytes
    }

    func testRandomSourcesRoundTripAndCostTheirInformation() throws {
        var rng = Xoshiro256(seed: 11)
        var worstOverhead = -Double.infinity, bestOverhead = Double.infinity
        for trial in 0..<40 {
            let n = [1, 2, 3, 7, 16, 100, 255, 256][trial % 8]
            let skew = [0.5, 3, 8][trial % 3]
            let pool = (0..<5).map { _ in Self.randomTable(n, skew: skew, &rng) }
            let count = [0, 1, 2, 10, 1000, 20_000][trial % 6]
            let tables = (0..<count).map { _ in pool[Int(rng.next() % 5)] }
            let symbols = tables.map { Self.sample($0, &rng) }
            let bytes = try Self.roundTrip(symbols, tables)
            let overhead = Double(bytes.count) - Self.information(symbols, tables) / 8
            worstOverhead = max(worstOverhead, overhead)
            bestOverhead = min(bestOverhead, overhead)
            // Final state (8 bytes, of which 31 bits are the start state) + word granularity: 4 to 8 bytes.
            XCTAssertGreaterThanOrEqual(overhead, 3.9, "trial \(trial): n \(n), \(count) symbols")
            XCTAssertLessThanOrEqual(overhead, 8.01, "trial \(trial): n \(n), \(count) symbols")
        }
        print("rANS overhead per stream: \(String(format: "%.3f", bestOverhead)) to \(String(format: "%.3f", worstOverhead)) bytes")
    }

    /// The coder's own loss (the state's finite precision), on a long stream where the flush does not matter.
    func testCodingLossPerSymbolIsNegligible() throws {
        var rng = Xoshiro256(seed: 12)
        let pool = (0..<8).map { _ in Self.randomTable(256, skew: 4, &rng) }
        let tables = (0..<300_000).map { _ in pool[Int(rng.next() % 8)] }
        let symbols = tables.map { Self.sample($0, &rng) }
        let bytes = try Self.roundTrip(symbols, tables)
        let information = Self.information(symbols, tables)
        let overhead = Double(bytes.count) - information / 8
        print("rANS: \(symbols.count) symbols, \(String(format: "%.1f", information / 8)) bytes of information, "
            + "\(bytes.count) coded: \(String(format: "%.2f", overhead)) bytes over, as for short streams (the flush): "
            + "the state's own loss is below \(String(format: "%.1g", 32 / Double(symbols.count))) bits/symbol")
        // The flush alone costs 4 to 8 bytes; 0.1 % of a byte per symbol would add 37 bytes here.
        XCTAssertGreaterThanOrEqual(overhead, 3.9)
        XCTAssertLessThanOrEqual(overhead, 8.5)
    }

    func testProbabilityNearZeroCostsTwentyFourBits() throws {
        let rare = try FrequencyTable(frequencies: [1, RANS.totalFrequency - 1])
        // 1000 symbols of probability 2^-24: 3000 bytes of information.
        let bytes = try Self.roundTrip([Int](repeating: 0, count: 1000), [FrequencyTable](repeating: rare, count: 1000))
        XCTAssertEqual(Double(bytes.count), 3000 + 8, accuracy: 4)
        // Mixed with the likely symbol.
        var rng = Xoshiro256(seed: 3)
        let symbols = (0..<5000).map { _ in rng.next() % 50 == 0 ? 0 : 1 }
        let tables = [FrequencyTable](repeating: rare, count: symbols.count)
        let mixed = try Self.roundTrip(symbols, tables)
        XCTAssertEqual(Double(mixed.count), Self.information(symbols, tables) / 8 + 6, accuracy: 2.1)
    }

    func testProbabilityNearOneCostsAlmostNothing() throws {
        let likely = try FrequencyTable(frequencies: [RANS.totalFrequency - 1, 1])
        let count = 1_000_000
        let bytes = try Self.roundTrip([Int](repeating: 0, count: count), [FrequencyTable](repeating: likely, count: count))
        // 1e6 * -log2(1 - 2^-24) = 0.086 bits: just the flushed state.
        XCTAssertEqual(bytes.count, 8)
    }

    func testLongRunOfOneSymbol() throws {
        let half = try FrequencyTable(frequencies: [1 << 23, 1 << 23])
        let count = 200_000
        let bytes = try Self.roundTrip([Int](repeating: 1, count: count), [FrequencyTable](repeating: half, count: count))
        XCTAssertEqual(Double(bytes.count), Double(count) / 8 + 4, accuracy: 4)
    }

    func testOneSymbolAlphabetCodesToTheStateAlone() throws {
        let only = try FrequencyTable(frequencies: [RANS.totalFrequency])
        let bytes = try Self.roundTrip([Int](repeating: 0, count: 10_000), [FrequencyTable](repeating: only, count: 10_000))
        XCTAssertEqual(bytes.count, 8)
    }

    func testUniform256SymbolAlphabetCostsEightBits() throws {
        let uniform = try FrequencyTable(frequencies: [UInt32](repeating: 1 << 16, count: 256))
        var rng = Xoshiro256(seed: 5)
        let symbols = (0..<4096).map { _ in Int(rng.next() % 256) }
        let bytes = try Self.roundTrip(symbols, [FrequencyTable](repeating: uniform, count: symbols.count))
        XCTAssertEqual(Double(bytes.count), 4096 + 6, accuracy: 2.1)
    }

    func testEmptyStream() throws {
        let bytes = try Self.roundTrip([], [])
        XCTAssertEqual(bytes.count, 8)
        // An empty stream cannot pass for one with symbols, and vice versa.
        var decoder = try RANSDecoder(bytes, source: "empty")
        let half = try FrequencyTable(frequencies: [1 << 23, 1 << 23])
        for _ in 0..<8 { _ = try? decoder.decode(in: half) }
        XCTAssertThrowsError(try decoder.finish())
    }

    func testTablesRejectBadSums() {
        XCTAssertThrowsError(try FrequencyTable(frequencies: []))
        XCTAssertThrowsError(try FrequencyTable(frequencies: [1 << 23]))
        XCTAssertThrowsError(try FrequencyTable(frequencies: [1 << 24, 1]))
        XCTAssertNoThrow(try FrequencyTable(frequencies: [0, 1 << 24, 0]))
    }

    func testZeroFrequencySymbolsAreSkippedWhenDecoding() throws {
        let table = try FrequencyTable(frequencies: [0, 1 << 23, 0, 0, 1 << 23, 0])
        _ = try Self.roundTrip([1, 4, 4, 1, 1], [FrequencyTable](repeating: table, count: 5))
    }

    /// Every truncation of a stream and every single-bit flip is refused by the coder itself (the container's
    /// CRCs are a second line); nothing traps, and decoding stops after the caller's symbol count.
    func testTruncatedAndCorruptedStreamsThrow() throws {
        var rng = Xoshiro256(seed: 21)
        let pool = (0..<4).map { _ in Self.randomTable(256, skew: 3, &rng) }
        let tables = (0..<300).map { _ in pool[Int(rng.next() % 4)] }
        let symbols = tables.map { Self.sample($0, &rng) }
        let bytes = try Self.roundTrip(symbols, tables)

        func decodes(_ stream: [UInt8]) -> [Int]? {
            guard var decoder = try? RANSDecoder(stream, source: "bad stream") else { return nil }
            var out: [Int] = []
            for t in tables {
                guard let s = try? decoder.decode(in: t) else { return nil }
                out.append(s)
            }
            return (try? decoder.finish()) == nil ? nil : out
        }
        for length in 0..<bytes.count {
            XCTAssertNil(decodes(Array(bytes[0..<length])), "truncated to \(length) of \(bytes.count) bytes")
        }
        XCTAssertNil(decodes(bytes + [0, 0, 0, 0]), "trailing word")
        var undetected = 0
        for bit in 0..<(8 * bytes.count) {
            var corrupt = bytes
            corrupt[bit / 8] ^= 1 << (bit % 8)
            if let decoded = decodes(corrupt) {
                undetected += 1
                XCTAssertNotEqual(decoded, symbols, "a different stream cannot decode consistently to the same symbols")
            }
        }
        XCTAssertEqual(undetected, 0, "bit flips the coder's end check missed, of \(8 * bytes.count)")
        // Random garbage of plausible length.
        for trial in 0..<200 {
            let garbage = (0..<(8 + 4 * (trial % 50))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            XCTAssertNil(decodes(garbage), "garbage \(trial)")
        }
    }
}

extension Comparable {
    fileprivate func clamped(to range: Range<Self>) -> Self where Self: Strideable, Self.Stride: SignedInteger {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound.advanced(by: -1))
    }
}
