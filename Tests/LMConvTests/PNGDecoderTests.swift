import LMConv
import XCTest

/// Decodes the PNG files of Tests/Fixtures/data, made by an independent hand-written encoder
/// (make_png_fixtures.py, zlib and struct only), and checks every pixel against the formulas that script uses; then
/// the conversions and refusals that PNG.decode asks of libpng, on files built chunk by chunk.
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

    // MARK: - Conversions and refusals

    /// 16-bit samples become round(v * 255 / 65535), for every one of the 65536 values (libpng's scale_16, not a
    /// truncating strip).
    func test16BitSamplesRoundToNearest() throws {
        var raw = [UInt8]()
        for y in 0..<256 { raw.append(0); for x in 0..<256 { raw += [UInt8(y), UInt8(x)] } }
        let file = DataTestKit.png(width: 256, height: 256, depth: 16, colorType: 0, raw: raw)
        let decoded = try PNG.decode(file, source: "gray16")
        XCTAssertEqual(decoded.pixels, (0..<65536).map { UInt8(($0 * 255 + 32767) / 65535) })
    }

    /// Transparency (tRNS) is dropped like alpha: palette stays RGB, gray stays gray, RGB stays RGB.
    func testTransparencyIsDropped() throws {
        let plte: [UInt8] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]
        let palette = DataTestKit.png(width: 4, height: 1, depth: 2, colorType: 3,
                                      extra: [("PLTE", plte), ("tRNS", [0, 128])], raw: [0, 0b00_01_10_11])
        XCTAssertEqual(try PNG.decode(palette, source: "palette"), RGBImage(width: 4, height: 1, channels: 3, pixels: plte))
        let gray = DataTestKit.png(width: 3, height: 1, colorType: 0, extra: [("tRNS", [0, 7])], raw: [0, 7, 8, 9])
        XCTAssertEqual(try PNG.decode(gray, source: "gray"), RGBImage(width: 3, height: 1, channels: 1, pixels: [7, 8, 9]))
        let rgb = DataTestKit.png(width: 1, height: 1, colorType: 2, extra: [("tRNS", [0, 1, 0, 2, 0, 3])],
                                  raw: [0, 1, 2, 3])
        XCTAssertEqual(try PNG.decode(rgb, source: "rgb"), RGBImage(width: 1, height: 1, channels: 3, pixels: [1, 2, 3]))
    }

    func testRefusals() throws {
        func refuse(_ bytes: [UInt8], _ parts: [String], line: UInt = #line) {
            DataTestKit.assertError(["in-memory.png"] + parts, line: line) { try PNG.decode(bytes, source: "in-memory.png") }
        }
        // A 2-bit pixel with index 3 into a palette of 2 entries (libpng alone would draw it black).
        refuse(DataTestKit.png(width: 4, height: 1, depth: 2, colorType: 3, extra: [("PLTE", [1, 2, 3, 4, 5, 6])],
                               raw: [0, 0b00_01_00_11]),
               ["corrupt", "palette entry 3", "2 entries"])
        // A bad CRC in an ancillary chunk is an error too.
        var text = DataTestKit.png(width: 1, height: 1, colorType: 0, extra: [("tEXt", Array("k\0v".utf8))], raw: [0, 1])
        text[33 + 8] ^= 1  // the first data byte of the tEXt chunk after IHDR
        refuse(text, ["corrupt", "tEXt", "CRC error"])
        // A chunk length past the end of the file is refused before libpng allocates it.
        text[33] = 0x7F
        refuse(text, ["truncated", "byte 33 claims 2130706435 bytes"])
        // A critical chunk libpng does not know.
        refuse(DataTestKit.png(width: 1, height: 1, colorType: 0, extra: [("QQQQ", [1])], raw: [0, 1]), ["corrupt", "QQQQ"])
        // Sizes: zero, over 2^24 on a side, over 2^30 pixels (refused before any image data is read).
        refuse(DataTestKit.png(width: 0, height: 1, colorType: 0), ["corrupt", "width is zero"])
        refuse(DataTestKit.png(width: 1 << 25, height: 1, colorType: 0), ["corrupt", "width exceeds user limit"])
        refuse(DataTestKit.png(width: 1 << 16, height: 1 << 15, colorType: 0), ["corrupt", "over 2^30 pixels"])
        // A palette image without a palette.
        refuse(DataTestKit.png(width: 1, height: 1, colorType: 3, raw: [0, 0]), ["corrupt"])
    }

    /// Damaged copies of every fixture (a flipped byte, or cut short) decode to an image of the right size or throw
    /// a one-line error naming the file: never a crash, never anything else.
    func testDamagedFilesFailCleanly() throws {
        var rng = Xoshiro256(seed: 7)
        let names = ["gray1", "gray2-adam7", "gray8", "gray8-paeth", "graya16", "palette4", "rgb16", "rgb8", "rgba8-adam7"]
        for name in names {
            let good = try DataTestKit.read(DataTestKit.fixture("data/\(name).png"))
            let original = try PNG.decode(good, source: name)
            for trial in 0..<150 {
                var bytes = good
                let at = Int.random(in: 8..<good.count, using: &rng)
                if trial % 3 == 0 { bytes = Array(bytes[..<at]) } else { bytes[at] ^= UInt8.random(in: 1...255, using: &rng) }
                do {
                    let image = try PNG.decode(bytes, source: "damaged.png")
                    XCTAssertEqual([image.width, image.height], [original.width, original.height], "\(name) at \(at)")
                } catch let error as LMConvError {
                    XCTAssertTrue(error.message.hasPrefix("damaged.png: "), error.message)
                    XCTAssertFalse(error.message.contains("\n"), error.message)
                }
            }
        }
    }
}
