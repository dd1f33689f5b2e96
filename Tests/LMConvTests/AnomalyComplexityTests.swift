import Foundation
import LMConv
import TestSupport
import XCTest

/// The complexity compressor is PNG's: its stream makes a valid PNG (8-bit and 1-bit) that decodes to the image,
/// its 8-bit code length is the project's PNG file minus the fixed framing, and it ranks simple images below noise.
final class AnomalyComplexityTests: XCTestCase {
    /// A PNG file around a zlib stream: signature, IHDR, one IDAT, IEND.
    func pngFile(stream: [UInt8], width: Int, height: Int, bitDepth: UInt8, colourType: UInt8) -> [UInt8] {
        func u32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return u32(data.count) + body + u32(Int(ZlibCodec.crc32(body[...])))
        }
        return PNG.signature + chunk("IHDR", u32(width) + u32(height) + [bitDepth, colourType, 0, 0, 0])
            + chunk("IDAT", stream) + chunk("IEND", [])
    }

    func randomLevels(_ count: Int, below bound: UInt64, seed: UInt64) -> [UInt8] {
        var rng = Xoshiro256(seed: seed)
        return (0..<count).map { _ in UInt8(rng.next() % bound) }
    }

    func testEightBitStreamIsThePNGOfTheImage() throws {
        for (C, seed) in [(1, UInt64(1)), (3, UInt64(2))] {
            let (H, W) = (9, 13)
            let levels = randomLevels(C * H * W, below: 256, seed: seed).enumerated().map { $0.element / UInt8(1 + $0.offset % 3) }
            let stream = ComplexityCompressor.pngStream(levels: levels[...], channels: C, height: H, width: W, bitDepth: 8)
            let decoded = try PNG.decode(pngFile(stream: stream, width: W, height: H, bitDepth: 8,
                                                 colourType: C == 1 ? 0 : 2), source: "test")
            XCTAssertEqual(decoded.planar, levels)
            // The project's encoder at level 9 writes the same stream: its file is 57 framing bytes longer.
            let file = PNG.encode(RGBImage(planar: levels, channels: C, height: H, width: W), compressionLevel: 9)
            XCTAssertEqual(ComplexityCompressor.codeLengthBits(levels: levels[...], channels: C, height: H, width: W,
                                                               bitDepth: 8), 8 * (file.count - 57))
        }
    }

    /// 1-bit rows (widths not a multiple of 8 included) decode, as a 1-bit gray PNG, to 0 and 255.
    func testOneBitStreamIsAOneBitPNG() throws {
        for W in [5, 8, 13] {
            let H = 6
            let levels = randomLevels(H * W, below: 2, seed: UInt64(W))
            let stream = ComplexityCompressor.pngStream(levels: levels[...], channels: 1, height: H, width: W, bitDepth: 1)
            let decoded = try PNG.decode(pngFile(stream: stream, width: W, height: H, bitDepth: 1, colourType: 0),
                                         source: "test")
            XCTAssertEqual(decoded.pixels, levels.map { $0 == 1 ? 255 : 0 }, "width \(W)")
        }
    }

    /// Noise cannot be compressed (at least 95% of its 8 bits a sub-pixel); a flat or smooth image can, a lot.
    func testSimpleImagesAreShorterThanNoise() {
        let (H, W) = (28, 28)
        let noise = randomLevels(H * W, below: 256, seed: 3)
        let flat = [UInt8](repeating: 0, count: H * W)
        let ramp = (0..<(H * W)).map { UInt8(($0 % W) * 9) }
        func bits(_ levels: [UInt8], depth: Int = 8) -> Int {
            ComplexityCompressor.codeLengthBits(levels: levels[...], channels: 1, height: H, width: W, bitDepth: depth)
        }
        XCTAssertGreaterThan(bits(noise), 95 * 8 * H * W / 100)
        XCTAssertLessThan(bits(flat), 200)
        XCTAssertLessThan(bits(ramp), 400)
        let binaryNoise = randomLevels(H * W, below: 2, seed: 4)
        XCTAssertGreaterThan(bits(binaryNoise, depth: 1), 9 * H * W / 10)
        XCTAssertLessThan(bits(flat, depth: 1), 200)
    }

    func testLevelsOfNetworkValues() {
        XCTAssertEqual(ComplexityCompressor.levels(ofNetworkValues: [-1, -0.2, 0.3, 1], bitDepth: 1), [0, 0, 1, 1])
        let pixels: [UInt8] = [0, 1, 127, 128, 254, 255]
        XCTAssertEqual(ComplexityCompressor.levels(ofNetworkValues: Preprocessing.quantize(pixels, nBits: 8), bitDepth: 8),
                       pixels)
        XCTAssertEqual(ComplexityCompressor.levels(ofNetworkValues: Preprocessing.quantize(pixels, nBits: 3), bitDepth: 3),
                       pixels.map { $0 >> 5 })
    }
}
