import Foundation
import LMConv
import TestSupport
import XCTest

final class GenerationOrderTests: XCTestCase {
    private static let fixture: SafetensorsFile? =
        try? SafetensorsFile.read(contentsOf: fixturesDirectory.appendingPathComponent("orders.safetensors"))

    private func fixture() throws -> SafetensorsFile {
        try XCTUnwrap(Self.fixture, "cannot read Tests/Fixtures/orders.safetensors")
    }

    /// Every `<order>.<H>x<W>` key of the fixture (base orders, not variants or masks), parsed.
    private func baseKeys() throws -> [(key: String, name: String, height: Int, width: Int)] {
        try fixture().tensors.keys.sorted().compactMap { key in
            let parts = key.split(separator: ".")
            guard parts.count == 2, !key.hasPrefix("mask.") else { return nil }
            let size = parts[1].split(separator: "x").compactMap { Int($0) }
            guard size.count == 2 else { return nil }
            return (key, String(parts[0]), size[0], size[1])
        }
    }

    private func expectedOrder(_ key: String, height: Int, width: Int) throws -> GenerationOrder {
        let tensor = try XCTUnwrap(try fixture().tensors[key], "fixture has no \(key)")
        XCTAssertEqual(tensor.shape, [height * width, 2], key)
        return try GenerationOrder(height: height, width: width, rowColPairs: tensor.int64s())
    }

    /// Reports the first differing step rather than both whole orders.
    private func assertSameOrder(_ actual: GenerationOrder, _ expected: GenerationOrder, _ key: String,
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual([actual.height, actual.width], [expected.height, expected.width], key, file: file, line: line)
        guard let step = actual.pixels.indices.first(where: { actual.pixels[$0] != expected.pixels[$0] }) else { return }
        XCTFail("\(key): step \(step) is \(actual.pixels[step]), expected \(expected.pixels[step])", file: file, line: line)
    }

    func testBaseOrdersMatchFixture() throws {
        let keys = try baseKeys()
        // Every constructor is exercised at every fixture size (hilbert only where defined).
        XCTAssertEqual(Set(keys.map(\.name)), Set(GenerationOrder.names))
        XCTAssertEqual(keys.count, 14)
        for (key, name, height, width) in keys {
            let expected = try expectedOrder(key, height: height, width: width)
            let actual = try GenerationOrder(named: name, height: height, width: width)
            assertSameOrder(actual, expected, key)
        }
    }

    func testVariantsMatchFixture() throws {
        var checked = 0
        for (key, name, height, width) in try baseKeys() {
            let base = try GenerationOrder(named: name, height: height, width: width)
            let list = try GenerationOrder.variantList(baseNames: [name], height: height, width: width, variants: 8)
            XCTAssertEqual(list.count, 8)
            for i in 0..<8 {
                let expected = try expectedOrder("\(key).variant\(i)", height: height, width: width)
                assertSameOrder(try base.variant(i), expected, "\(key).variant\(i)")
                assertSameOrder(list[i], expected, "\(key).variant\(i) from variantList")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 14 * 8)
    }

    func testVariantListOptionsAndConcatenation() throws {
        let s = try GenerationOrder.sCurve(height: 8, width: 8)
        let h = try GenerationOrder.hilbert(height: 8, width: 8)
        let list = try GenerationOrder.variantList(baseNames: ["s_curve", "hilbert"], height: 8, width: 8, variants: 8)
        XCTAssertEqual(list, try (0..<8).map { try s.variant($0) } + (0..<8).map { try h.variant($0) })

        // The base options apply transpose, then reflect_rows, then reflect_cols (these do not commute).
        let changed = try GenerationOrder.variantList(baseNames: ["s_curve"], height: 8, width: 8, variants: 1,
                                                      baseTranspose: true, baseReflectRows: true, baseReflectCols: false)
        XCTAssertEqual(changed, [try s.transpose().reflectRows()])
        XCTAssertNotEqual(changed, [try s.reflectRows().transpose()])

        XCTAssertThrowsError(try GenerationOrder.variantList(baseNames: ["s_curve"], height: 8, width: 8, variants: 4))
        XCTAssertThrowsError(try GenerationOrder.variantList(baseNames: [], height: 8, width: 8, variants: 1))
    }

    func testPositionsInvertTheOrder() throws {
        let order = try GenerationOrder.gilbert2d(height: 5, width: 7)
        let positions = order.positions
        XCTAssertEqual(positions.count, 35)
        XCTAssertEqual(Set(positions), Set(0..<35))
        for (step, pixel) in order.pixels.enumerated() {
            XCTAssertEqual(positions[pixel.row * 7 + pixel.col], step)
        }
        XCTAssertEqual(order.rowMajorIndices.enumerated().map { positions[$0.element] }, Array(0..<35))
        XCTAssertEqual(try GenerationOrder.sCurve(height: 2, width: 3).positions, [0, 1, 2, 5, 4, 3])
    }

    func testRectangularOrdersArePermutations() throws {
        for name in GenerationOrder.names where name != "hilbert" {
            for (h, w) in [(1, 1), (1, 9), (9, 1), (3, 10), (10, 3), (7, 7), (28, 20)] {
                let order = try GenerationOrder(named: name, height: h, width: w)
                // Re-validating through the checked initializer proves it is a permutation.
                XCTAssertNoThrow(try GenerationOrder(height: h, width: w, pixels: order.pixels), "\(name) \(h)x\(w)")
                for i in 0..<4 {
                    XCTAssertNoThrow(try GenerationOrder(height: h, width: w, pixels: order.variant(i).pixels))
                }
            }
        }
    }

    func testGilbertIsContinuous() throws {
        // A gilbert curve moves to a 4-neighbour at every step, except for at most one diagonal step when a side is odd.
        for h in 1...36 {
            for w in 1...36 {
                let pixels = try GenerationOrder.gilbert2d(height: h, width: w).pixels
                var diagonal = 0
                for (a, b) in zip(pixels, pixels.dropFirst()) {
                    let (dr, dc) = (abs(a.row - b.row), abs(a.col - b.col))
                    XCTAssertTrue(max(dr, dc) == 1, "\(h)x\(w): \(a) -> \(b)")
                    if dr + dc == 2 { diagonal += 1 }
                }
                XCTAssertLessThanOrEqual(diagonal, (h % 2 == 0 && w % 2 == 0) ? 0 : 1, "\(h)x\(w)")
            }
        }
    }

    func testErrors() {
        XCTAssertThrowsError(try GenerationOrder(named: "zigzag", height: 8, width: 8)) { error in
            let message = (error as? LMConvError)?.message ?? ""
            XCTAssertTrue(message.contains("zigzag"), message)
            for name in GenerationOrder.names { XCTAssertTrue(message.contains(name), message) }
        }
        XCTAssertThrowsError(try GenerationOrder.hilbert(height: 8, width: 16))
        XCTAssertThrowsError(try GenerationOrder.hilbert(height: 28, width: 28))
        XCTAssertThrowsError(try GenerationOrder.sCurve(height: 0, width: 4))
        XCTAssertThrowsError(try GenerationOrder.rasterScan(height: 2, width: 3).transpose())
        XCTAssertThrowsError(try GenerationOrder.rasterScan(height: 2, width: 3).variant(4))
        XCTAssertThrowsError(try GenerationOrder.rasterScan(height: 3, width: 3).variant(8))

        let p = { (r: Int, c: Int) in PixelCoordinate(row: r, col: c) }
        XCTAssertNoThrow(try GenerationOrder(height: 1, width: 2, pixels: [p(0, 1), p(0, 0)]))
        XCTAssertThrowsError(try GenerationOrder(height: 1, width: 2, pixels: [p(0, 1)]))           // too few
        XCTAssertThrowsError(try GenerationOrder(height: 1, width: 2, pixels: [p(0, 1), p(0, 1)]))  // repeated
        XCTAssertThrowsError(try GenerationOrder(height: 1, width: 2, pixels: [p(0, 1), p(1, 0)]))  // outside
        XCTAssertThrowsError(try GenerationOrder(height: 1, width: 2, rowColPairs: [0, 1, 0]))      // odd count
    }
}
