import Foundation
import LMConv
import TestSupport
import XCTest

/// The complexity compressors. PNG's stream makes a valid PNG (8-bit and 1-bit) that decodes to the image, and its
/// 8-bit code length is the project's PNG file minus the fixed framing. The context coder's lengths are those of a
/// proper code (Kraft) and match hand-computed cases. Both rank simple images below noise.
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
            XCTAssertEqual(ComplexityCompressor.png.codeLengthBits(levels: levels[...], channels: C, height: H, width: W,
                                                                   bitDepth: 8), Double(8 * (file.count - 57)))
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

    /// Noise cannot be compressed (at least 95% of its bits); a flat or smooth image can, a lot; for both coders.
    func testSimpleImagesAreShorterThanNoise() {
        let (H, W) = (28, 28)
        let noise = randomLevels(H * W, below: 256, seed: 3)
        let flat = [UInt8](repeating: 0, count: H * W)
        let ramp = (0..<(H * W)).map { UInt8(($0 % W) * 9) }
        let binaryNoise = randomLevels(H * W, below: 2, seed: 4)
        for compressor in ComplexityCompressor.allCases {
            func bits(_ levels: [UInt8], depth: Int = 8) -> Double {
                compressor.codeLengthBits(levels: levels[...], channels: 1, height: H, width: W, bitDepth: depth)
            }
            XCTAssertGreaterThan(bits(noise), 0.95 * 8 * Double(H * W), "\(compressor)")
            XCTAssertLessThan(bits(flat), 200, "\(compressor)")
            XCTAssertLessThan(bits(ramp), 400, "\(compressor)")
            XCTAssertGreaterThan(bits(binaryNoise, depth: 1), 0.9 * Double(H * W), "\(compressor)")
            XCTAssertLessThan(bits(flat, depth: 1), 200, "\(compressor)")
        }
    }

    /// The KT code length of n equal bits in one fresh context: Σ_i −log2((i + ½) / (i + 1)).
    func ktRun(_ n: Int) -> Double {
        var bits = 0.0
        for i in 0..<n { bits -= log2((Double(i) + 0.5) / Double(i + 1)) }
        return bits
    }

    /// Hand-computed: [1, 1, 0] costs 1 bit (context 0, fresh), 1 bit (context "west on", fresh) and 2 bits (that
    /// context has seen one 1: p(0) = ½ / 2). An all-off image stays in context 0; so does a flat gray image
    /// (residual 0, activity 0: only the zero flag is coded).
    func testContextCoderHandComputed() {
        let coder = ComplexityCompressor.context
        XCTAssertEqual(coder.codeLengthBits(levels: [1, 1, 0], channels: 1, height: 1, width: 3, bitDepth: 1), 4,
                       accuracy: 1e-12)
        let flat = [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(coder.codeLengthBits(levels: flat[...], channels: 1, height: 8, width: 8, bitDepth: 1), ktRun(64),
                       accuracy: 1e-9)
        let gray = [UInt8](repeating: 77, count: 64)
        // The first pixel predicts 0: residual 77 = 2^6 + 13 (zero flag, sign, exponent 6 in unary with its stop bit,
        // six mantissa bits, all fresh: 15 bits); the other 63 pixels code only their zero flag, in context 0 (activity
        // 0, as for the first pixel), after its one "nonzero": Σ_i −log2((i + ½) / (i + 2)) = ktRun(63) + log2(64).
        XCTAssertEqual(coder.codeLengthBits(levels: gray[...], channels: 1, height: 8, width: 8, bitDepth: 8),
                       15 + ktRun(63) + 6, accuracy: 1e-9)
    }

    /// The code lengths are those of a probability distribution over images (Kraft): over all 2x3 binary images
    /// Σ 2^−L = 1 exactly; over all 2x2 images of 4 levels at most 1 (residuals outside the range keep some mass).
    func testContextCoderIsAProperCode() {
        let coder = ComplexityCompressor.context
        var binary = 0.0
        for code in 0..<64 {
            let levels = (0..<6).map { UInt8((code >> $0) & 1) }
            binary += pow(2, -coder.codeLengthBits(levels: levels[...], channels: 1, height: 2, width: 3, bitDepth: 1))
        }
        XCTAssertEqual(binary, 1, accuracy: 1e-12)
        var gray = 0.0
        for code in 0..<256 {
            let levels = (0..<4).map { UInt8((code >> (2 * $0)) & 3) }
            gray += pow(2, -coder.codeLengthBits(levels: levels[...], channels: 1, height: 2, width: 2, bitDepth: 2))
        }
        XCTAssertLessThanOrEqual(gray, 1 + 1e-12)
        XCTAssertGreaterThan(gray, 0.3)
    }

    func testLevelsOfNetworkValues() {
        XCTAssertEqual(ComplexityCompressor.levels(ofNetworkValues: [-1, -0.2, 0.3, 1], bitDepth: 1), [0, 0, 1, 1])
        let pixels: [UInt8] = [0, 1, 127, 128, 254, 255]
        XCTAssertEqual(ComplexityCompressor.levels(ofNetworkValues: Preprocessing.quantize(pixels, nBits: 8), bitDepth: 8),
                       pixels)
        XCTAssertEqual(ComplexityCompressor.levels(ofNetworkValues: Preprocessing.quantize(pixels, nBits: 3), bitDepth: 3),
                       pixels.map { $0 >> 5 })
    }

    /// context8 mixes the context coder over the image's 8 orientations: it is the same for an image and for each of
    /// its transposes and reflections (the orientations are a group), lies between the best orientation's length and
    /// 3 bits more, and is a proper code too (each orientation is a bijection onto images it codes with Σ 2^−L = 1).
    func testContext8MixesTheEightOrientations() {
        let (H, W) = (5, 7)
        // (C, H, W) -> (C, W, H) transposed, and reflections of the rows or columns, written out by hand.
        func transposed(_ v: [UInt8], _ C: Int, _ h: Int, _ w: Int) -> [UInt8] {
            (0..<C).flatMap { c in (0..<w).flatMap { x in (0..<h).map { y in v[(c * h + y) * w + x] } } }
        }
        func flippedRows(_ v: [UInt8], _ C: Int, _ h: Int, _ w: Int) -> [UInt8] {
            (0..<C).flatMap { c in (0..<h).flatMap { y in (0..<w).map { x in v[(c * h + h - 1 - y) * w + x] } } }
        }
        for (C, depth) in [(1, 1), (1, 8), (3, 8)] {
            let levels = randomLevels(C * H * W, below: depth == 1 ? 2 : 16, seed: UInt64(C * 10 + depth))
            func context(_ v: [UInt8], _ h: Int, _ w: Int) -> Double {
                ComplexityCompressor.context.codeLengthBits(levels: v[...], channels: C, height: h, width: w, bitDepth: depth)
            }
            func mixed(_ v: [UInt8], _ h: Int, _ w: Int) -> Double {
                ComplexityCompressor.context8.codeLengthBits(levels: v[...], channels: C, height: h, width: w, bitDepth: depth)
            }
            // The 8 orientations by hand: the reflections of the image and of its transpose.
            var oriented: [([UInt8], Int, Int)] = []
            for (v, h, w) in [(levels, H, W), (transposed(levels, C, H, W), W, H)] {
                let rows = flippedRows(v, C, h, w)
                let columns = transposed(flippedRows(transposed(v, C, h, w), C, w, h), C, w, h)
                let both = transposed(flippedRows(transposed(rows, C, h, w), C, w, h), C, w, h)
                oriented += [(v, h, w), (rows, h, w), (columns, h, w), (both, h, w)]
            }
            let lengths = oriented.map { context($0.0, $0.1, $0.2) }
            XCTAssertGreaterThan(Set(lengths.map { ($0 * 1e6).rounded() }).count, 1, "the orientations' lengths differ")
            let expected = -log2(lengths.map { pow(2, -$0) }.reduce(0, +) / 8)
            let value = mixed(levels, H, W)
            XCTAssertEqual(value, expected, accuracy: 1e-9 * expected, "C \(C) depth \(depth)")
            XCTAssertGreaterThanOrEqual(value, lengths.min()! - 1e-9)
            XCTAssertLessThanOrEqual(value, lengths.min()! + 3 + 1e-9)
            for (v, h, w) in oriented {
                XCTAssertEqual(mixed(v, h, w), value, accuracy: 1e-9 * value, "invariant under every orientation")
            }
        }
        var kraft = 0.0
        for code in 0..<64 {
            let levels = (0..<6).map { UInt8((code >> $0) & 1) }
            kraft += pow(2, -ComplexityCompressor.context8.codeLengthBits(levels: levels[...], channels: 1, height: 2,
                                                                          width: 3, bitDepth: 1))
        }
        XCTAssertEqual(kraft, 1, accuracy: 1e-12)
    }
}
