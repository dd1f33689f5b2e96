import Foundation
import LMConv
import XCTest

final class PNGTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try DataTestKit.makeDirectory() }
    override func tearDown() { DataTestKit.removeDirectory(dir) }

    func pattern(width: Int, height: Int, channels: Int) -> RGBImage {
        var pixels = [UInt8]()
        for y in 0..<height { for x in 0..<width { for c in 0..<channels {
            // Smooth areas plus noise, so different rows favour different filters.
            pixels.append(UInt8((x * 3 + y * 2 + c * 50 + (x * y * 37 % 11)) % 256))
        } } }
        return RGBImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    func testRoundTripGrayAndRGB() throws {
        for channels in [1, 3] {
            for (w, h) in [(1, 1), (28, 28), (33, 17)] {
                let image = pattern(width: w, height: h, channels: channels)
                let bytes = PNG.encode(image)
                XCTAssertEqual(Array(bytes[0..<8]), PNG.signature)
                XCTAssertEqual(try PNG.decode(bytes, source: "memory"), image, "\(channels) channels \(w)x\(h)")
            }
        }
        let path = dir + "/rgb.png"
        let image = pattern(width: 32, height: 32, channels: 3)
        try PNG.write(image, to: path)
        XCTAssertEqual(try PNG.read(contentsOf: path), image)
        // Overwriting goes through a temporary file and a rename: nothing else is left behind.
        try PNG.write(pattern(width: 5, height: 4, channels: 1), to: path)
        XCTAssertEqual(try PNG.read(contentsOf: path).width, 5)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["rgb.png"])
    }

    func testEncoderWritesStandardChunks() throws {
        let bytes = PNG.encode(pattern(width: 3, height: 2, channels: 3))
        // IHDR: length 13, then width 3, height 2, depth 8, colour type 2 (RGB), methods 0, not interlaced.
        XCTAssertEqual(Array(bytes[8..<33].prefix(25)),
                       [0, 0, 0, 13] + Array("IHDR".utf8) + [0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0]
                           + Array(bytes[29..<33]))
        XCTAssertEqual(Array(bytes.suffix(12)), [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82])
    }

    func testWriteIntoMissingDirectoryFails() {
        let path = dir + "/no/such/dir/x.png"
        DataTestKit.assertError([path, "cannot be written"]) { try PNG.write(self.pattern(width: 2, height: 2, channels: 1), to: path) }
    }

    func testCorruptInputs() throws {
        let good = PNG.encode(pattern(width: 8, height: 8, channels: 3))
        let path = dir + "/bad.png"
        func check(_ bytes: [UInt8], _ parts: [String], line: UInt = #line) throws {
            try DataTestKit.write(bytes, path)
            DataTestKit.assertError([path] + parts, line: line) { try PNG.read(contentsOf: path) }
        }
        DataTestKit.assertError([dir + "/missing.png", "no such file"]) { try PNG.read(contentsOf: self.dir + "/missing.png") }
        try check(Array("GIF89a..".utf8) + good[8...], ["not a PNG file"])
        try check(Array(good[..<(good.count - 20)]), ["truncated"])
        try check(Array(good[..<40]), ["truncated"])
        var badCRC = good
        badCRC[20] ^= 1  // inside IHDR's data
        try check(badCRC, ["IHDR", "CRC error"])
        var badDepth = good
        badDepth[24] = 7  // bit depth
        try check(withFixedCRC(badDepth, chunkAt: 8), ["corrupt", "Invalid bit depth in IHDR"])
        // Remove the IEND chunk.
        try check(Array(good.dropLast(12)), ["truncated", "IEND"])
        // A valid zlib stream whose rows use filter type 9.
        try check(DataTestKit.png(width: 2, height: 1, colorType: 0, raw: [9, 1, 2]), ["corrupt", "bad adaptive filter value"])
        // Too little image data for the size.
        try check(DataTestKit.png(width: 4, height: 4, colorType: 0, raw: [0, 1, 2, 3, 4]), ["corrupt", "Not enough image data"])
        // Compressed data that is not a zlib stream.
        try check(DataTestKit.png(width: 1, height: 1, colorType: 0, compressed: [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF]),
                  ["corrupt"])
    }

    /// `bytes` with the CRC of the chunk starting at `start` recomputed after an edit.
    func withFixedCRC(_ bytes: [UInt8], chunkAt start: Int) -> [UInt8] {
        var out = bytes
        let length = Int(bytes[start]) << 24 | Int(bytes[start + 1]) << 16 | Int(bytes[start + 2]) << 8 | Int(bytes[start + 3])
        let crc = ZlibCodec.crc32(bytes[(start + 4)..<(start + 8 + length)])
        for i in 0..<4 { out[start + 8 + length + i] = UInt8(crc >> (24 - 8 * UInt32(i)) & 255) }
        return out
    }
}
