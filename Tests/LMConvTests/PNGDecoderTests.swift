import LMConv
import XCTest

/// Decodes the PNG files of Tests/Fixtures/data, made by an independent hand-written encoder
/// (make_png_fixtures.py, zlib and struct only), and checks every pixel against the formulas that script uses.
final class PNGDecoderTests: XCTestCase {
    func s8(_ x: Int, _ y: Int, _ c: Int) -> Int { (x * x * 7 + y * 13 + c * 101 + x * y * 3 + 5) % 256 }
    func s16(_ x: Int, _ y: Int, _ c: Int) -> Int { (s8(x, y, c) * 257 + x * 31 + y) % 65536 }
    let palette = (0..<16).map { i in [(i * 17) % 256, (255 - i * 13 + 256) % 256, (i * 29) % 256] }

    /// The 8-bit pixels a decoder should produce for a fixture of colour type `color` and bit depth `depth`.
    func expected(width: Int, height: Int, color: Int, depth: Int) -> RGBImage {
        let channels = color == 0 || color == 4 ? 1 : 3
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let v: Int
                    if color == 3 {
                        v = palette[(x * 3 + y * 5) % (1 << depth)][c]
                    } else if depth < 8 {
                        v = (x + 2 * y) % (1 << depth) * 255 / ((1 << depth) - 1)
                    } else if depth == 8 {
                        v = s8(x, y, c)
                    } else {
                        v = (s16(x, y, c) * 255 + 32767) / 65535
                    }
                    pixels.append(UInt8(v))
                }
            }
        }
        return RGBImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    func check(_ name: String, _ width: Int, _ height: Int, color: Int, depth: Int, line: UInt = #line) throws {
        let decoded = try PNG.read(contentsOf: DataTestKit.fixture("data/" + name))
        let want = expected(width: width, height: height, color: color, depth: depth)
        XCTAssertEqual([decoded.width, decoded.height, decoded.channels], [want.width, want.height, want.channels],
                       name, line: line)
        XCTAssertEqual(decoded.pixels, want.pixels, name, line: line)
    }

    func testGray8AllFilters() throws { try check("gray8.png", 9, 7, color: 0, depth: 8) }
    func testRGB8AllFilters() throws { try check("rgb8.png", 9, 7, color: 2, depth: 8) }
    func testRGBAInterlaced() throws { try check("rgba8-adam7.png", 11, 9, color: 6, depth: 8) }
    func testGrayAlpha16() throws { try check("graya16.png", 6, 5, color: 4, depth: 16) }
    func testRGB16() throws { try check("rgb16.png", 5, 6, color: 2, depth: 16) }
    func testPalette4Bit() throws { try check("palette4.png", 7, 5, color: 3, depth: 4) }
    func testGray2BitInterlaced() throws { try check("gray2-adam7.png", 10, 9, color: 0, depth: 2) }
    func testGray1Bit() throws { try check("gray1.png", 13, 3, color: 0, depth: 1) }

    /// Every row Paeth-filtered over few distinct levels, so the predictor's tie-breaking order is exercised.
    func testPaethTies() throws {
        let decoded = try PNG.read(contentsOf: DataTestKit.fixture("data/gray8-paeth.png"))
        var want = [UInt8]()
        for y in 0..<8 { for x in 0..<16 { want.append(UInt8(((x * 3 + y * 5 + x * y) % 5) * 30)) } }
        XCTAssertEqual(decoded, RGBImage(width: 16, height: 8, channels: 1, pixels: want))
    }

    func testSingleImageLoading() throws {
        let single = try ImageDataset.load(path: DataTestKit.fixture("data/rgb8.png"))
        XCTAssertEqual([single.count, single.channels, single.height, single.width], [1, 3, 7, 9])
        XCTAssertEqual(single.pixels, expected(width: 9, height: 7, color: 2, depth: 8).planar)
    }
}
