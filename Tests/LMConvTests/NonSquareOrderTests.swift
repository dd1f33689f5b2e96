import LMConv
import XCTest

/// On a non-square image the eight variants still exist: 4-7 transpose the base order of the W x H image.
final class NonSquareOrderTests: XCTestCase {
    func testEightDistinctVariantsOfANonSquareImage() throws {
        for name in ["s_curve", "raster_scan", "gilbert2d"] {
            let orders = try GenerationOrder.variantList(baseNames: [name], height: 5, width: 7, variants: 8)
            XCTAssertEqual(orders.count, 8)
            for order in orders {
                XCTAssertEqual([order.height, order.width], [5, 7])
                XCTAssertEqual(Set(order.rowMajorIndices).count, 35, "\(name): every pixel once")
            }
            // (gilbert2d follows the longer side, so its transposed 7x5 curve is its 5x7 one.)
            XCTAssertEqual(Set(orders.map(\.rowMajorIndices)).count, name == "gilbert2d" ? 4 : 8, name)
            // Variant 4 is the 7x5 base order with (r, c) -> (c, r).
            let wide = try GenerationOrder(named: name, height: 7, width: 5)
            XCTAssertEqual(orders[4].pixels, wide.pixels.map { PixelCoordinate(row: $0.col, col: $0.row) })
            // On a square image nothing changes: variant 4 is the plain transpose.
            let square = try GenerationOrder.variantList(baseNames: [name], height: 6, width: 6, variants: 8)
            XCTAssertEqual(square[4], try GenerationOrder(named: name, height: 6, width: 6).transpose())
        }
    }
}
