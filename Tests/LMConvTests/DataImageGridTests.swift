import LMConv
import XCTest

final class DataImageGridTests: XCTestCase {
    func testGrayGridWithSeparatorAndScale() {
        // Three 2x2 images with values 10n + (2y + x).
        var pixels = [UInt8]()
        for n in 0..<3 { for p in 0..<4 { pixels.append(UInt8(10 * n + p)) } }
        let grid = ImageGrid.compose(pixels: pixels, count: 3, channels: 1, height: 2, width: 2,
                                     columns: 2, separator: 1, scale: 2, separatorValue: 200)
        XCTAssertEqual([grid.width, grid.height, grid.channels], [9, 9, 1])
        func at(_ x: Int, _ y: Int) -> UInt8 { grid.pixels[y * 9 + x] }
        XCTAssertEqual([at(0, 0), at(1, 1), at(2, 0), at(3, 3)], [0, 0, 1, 3])  // image 0, each pixel 2x2
        XCTAssertEqual(at(4, 0), 200)  // vertical separator
        XCTAssertEqual([at(5, 0), at(7, 2)], [10, 13])  // image 1
        XCTAssertEqual(at(0, 4), 200)  // horizontal separator
        XCTAssertEqual([at(0, 5), at(3, 8)], [20, 23])  // image 2
        XCTAssertEqual(at(6, 6), 200)  // empty fourth cell
    }

    func testRGBGridInterleavesAndDefaultsToSquare() {
        var pixels = [UInt8]()
        for n in 0..<5 { pixels += [UInt8(n), UInt8(100 + n), UInt8(200 + n)] }  // 1x1 images, planes R, G, B
        let data = ImageDataset(count: 5, channels: 3, height: 1, width: 1, pixels: pixels)
        let grid = ImageGrid.compose(data, separator: 2)  // 3 columns, 2 rows
        XCTAssertEqual([grid.width, grid.height, grid.channels], [7, 4, 3])
        XCTAssertEqual(Array(grid.pixels[0..<3]), [0, 100, 200])
        XCTAssertEqual(Array(grid.pixels[3..<6]), [255, 255, 255])
        XCTAssertEqual(Array(grid.pixels[(3 * 3)..<(3 * 3 + 3)]), [1, 101, 201])
        let secondRow = (3 * 7 + 3) * 3  // y = 3, x = 3: image 4
        XCTAssertEqual(Array(grid.pixels[secondRow..<(secondRow + 3)]), [4, 104, 204])
        // And it encodes as a PNG.
        XCTAssertEqual(try PNG.decode(PNG.encode(grid), source: "grid"), grid)
    }
}
