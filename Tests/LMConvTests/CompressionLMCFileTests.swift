import Foundation
import LMConv
import TestSupport
import XCTest

/// The .lmc container: the documented bytes, round trips, and a one-line refusal naming the file for every kind of
/// bad file.
final class CompressionLMCFileTests: XCTestCase {
    static let source = "photos.lmc"

    /// The file that Tests/Fixtures/compression/make-example.py writes from docs/FORMAT.md.
    static let example = LMCFile(
        fingerprint: ModelFingerprint(bytes: Array(0..<32)),
        geometry: .init(channels: 3, height: 2, width: 2, pixels: .levels(bits: 8)),
        images: [
            .init(orderIndex: 3, pixelCRC: LMCFile.pixelCRC(levels: Array(0..<12)), name: "cat.png", data: Array(1...12)),
            .init(orderIndex: 0, pixelCRC: LMCFile.pixelCRC(levels: [Int](repeating: 255, count: 12)), name: nil,
                  data: Array(0xA0...0xA7)),
        ])

    /// Where the header CRC of `example`'s bytes starts: 47 bytes up to the image count (one-byte varints here),
    /// then per image 7 bytes plus its name.
    static let headerEnd = 47 + 7 + 7 + 7

    static func refusal(_ bytes: [UInt8], expected: ModelFingerprint? = nil) -> String? {
        do {
            _ = try LMCFile(parsing: bytes, source: source, expectedFingerprint: expected)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Asserts that `bytes` is refused with a one-line message naming the file and containing `phrase`.
    static func assertRefused(_ bytes: [UInt8], _ phrase: String, expected: ModelFingerprint? = nil,
                              file: StaticString = #filePath, line: UInt = #line) {
        guard let message = refusal(bytes, expected: expected) else {
            XCTFail("accepted, expected a refusal with '\(phrase)'", file: file, line: line)
            return
        }
        XCTAssertTrue(message.hasPrefix(source + ":"), "does not name the file: \(message)", file: file, line: line)
        XCTAssertTrue(message.contains(phrase), "'\(message)' lacks '\(phrase)'", file: file, line: line)
        XCTAssertFalse(message.contains("\n"), "not one line: \(message)", file: file, line: line)
    }

    /// `bytes` with `replacement` at `offset` and the header CRC recomputed, so that a check past the CRC is reached.
    static func patched(_ bytes: [UInt8], at offset: Int, _ replacement: [UInt8], headerEnd: Int = headerEnd) -> [UInt8] {
        var out = bytes
        out.replaceSubrange(offset..<(offset + replacement.count), with: replacement)
        let crc = ZlibCodec.crc32(out[0..<headerEnd])
        for i in 0..<4 { out[headerEnd + i] = UInt8(truncatingIfNeeded: crc >> (8 * i)) }
        return out
    }

    func testWriterProducesTheDocumentedBytesAndReaderReadsThem() throws {
        let fixture = [UInt8](try Data(contentsOf: fixturesDirectory.appendingPathComponent("compression/example-v2.lmc")))
        XCTAssertEqual(try Self.example.serialized(source: Self.source), fixture)
        let parsed = try LMCFile(parsing: fixture, source: Self.source, expectedFingerprint: Self.example.fingerprint)
        XCTAssertEqual(parsed, Self.example)
        XCTAssertNoThrow(try parsed.checkPixels(Array(0..<12), image: 0, source: Self.source))
    }

    func testRoundTripsOfOtherGeometries() throws {
        let geometries: [LMCFile.Geometry] = [
            .init(channels: 1, height: 28, width: 28, pixels: .binary), .init(channels: 1, height: 1, width: 65535, pixels: .levels(bits: 1)),
            .init(channels: 3, height: 32, width: 32, pixels: .levels(bits: 5)),
        ]
        for geometry in geometries {
            for count in [0, 1, 5] {
                let images = (0..<count).map {
                    LMCFile.Image(orderIndex: $0 * 1000, pixelCRC: UInt32($0) &* 0x9E37_79B9, name: $0 % 2 == 0 ? "é \($0).png" : nil,
                                  data: [UInt8](repeating: UInt8($0), count: $0 * 17))
                }
                let file = LMCFile(fingerprint: ModelFingerprint(bytes: [UInt8](repeating: 7, count: 32)), geometry: geometry, images: images)
                XCTAssertEqual(try LMCFile(parsing: file.serialized(source: Self.source), source: Self.source), file)
            }
        }
    }

    func testGeometryOfAModelConfiguration() {
        XCTAssertEqual(LMCFile.Geometry(configuration: ModelConfiguration(channels: 1, height: 28, width: 28, binarize: true)),
                       .init(channels: 1, height: 28, width: 28, pixels: .binary))
        XCTAssertEqual(LMCFile.Geometry(configuration: ModelConfiguration(channels: 3, height: 32, width: 32, binarize: false, nBits: 5)),
                       .init(channels: 3, height: 32, width: 32, pixels: .levels(bits: 5)))
        XCTAssertEqual(LMCFile.PixelKind.levels(bits: 5).levelCount, 32)
        XCTAssertEqual(LMCFile.PixelKind.binary.levelCount, 2)
    }

    func testWritesAtomicallyAndReadsBack() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lmc-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.lmc").path
        try Self.example.write(to: path)
        XCTAssertEqual(try LMCFile.read(path: path, expectedFingerprint: Self.example.fingerprint), Self.example)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["out.lmc"], "no temporary left")
        XCTAssertThrowsError(try LMCFile.read(path: directory.appendingPathComponent("missing.lmc").path)) {
            XCTAssertTrue("\($0)".contains("missing.lmc: no such file"), "\($0)")
        }
    }

    func testRefusesWrongMagicAndVersion() throws {
        let bytes = try Self.example.serialized(source: Self.source)
        Self.assertRefused(Array("PNG not lmc".utf8), "not a .lmc file")
        Self.assertRefused([], "not a .lmc file")
        var wrong = bytes
        wrong[1] = UInt8(ascii: "X")
        Self.assertRefused(wrong, "not a .lmc file")
        Self.assertRefused(Self.patched(bytes, at: 8, [3]), ".lmc version 3, this program reads version 2")
    }

    func testRefusesEveryTruncation() throws {
        let bytes = try Self.example.serialized(source: Self.source)
        for length in 0..<bytes.count {
            guard let message = Self.refusal(Array(bytes[0..<length])) else {
                XCTFail("truncated to \(length) of \(bytes.count) bytes: accepted")
                continue
            }
            XCTAssertTrue(message.contains("truncated") || message.contains("not a .lmc file"),
                          "truncated to \(length): \(message)")
        }
    }

    func testRefusesLengthsThatDoNotAddUpAndTrailingGarbage() throws {
        let bytes = try Self.example.serialized(source: Self.source)
        let lengthOffset = 47 + 5   // image 0's coded length (a one-byte varint)
        Self.assertRefused(Self.patched(bytes, at: lengthOffset, [13]), "add up to more than the 20 bytes after the header (truncated file)")
        Self.assertRefused(Self.patched(bytes, at: lengthOffset, [11]), "1 bytes of trailing garbage")
        Self.assertRefused(Self.patched(bytes, at: lengthOffset, [90]), "add up to more")
        Self.assertRefused(bytes + [0], "1 bytes of trailing garbage after the last image")
        Self.assertRefused(bytes + Array(repeating: 0x41, count: 100), "100 bytes of trailing garbage")
        // An image count far beyond the file (a two-byte varint 16383 over the count and the first order index):
        // refused before anything is allocated for it.
        Self.assertRefused(Self.patched(bytes, at: 46, [0xFF, 0x7F]), "image count 16383 is impossible here")
    }

    func testRefusesCorruptHeaderAndData() throws {
        let bytes = try Self.example.serialized(source: Self.source)
        // Bits, fingerprint, pixel CRCs, a name byte, the CRC itself (fields whose change keeps the layout).
        for offset in [10, 20, 40, 50, 56, 63, Self.headerEnd + 2] {
            var corrupt = bytes
            corrupt[offset] ^= 0x10
            Self.assertRefused(corrupt, "header fails its CRC (corrupt file)")
        }
        // The coded data has no CRC of its own: decoding (the rANS end state, then the pixel CRC) catches it.
        var corrupt = bytes
        corrupt[Self.headerEnd + 4 + 5] ^= 1   // inside image 0's coded data
        XCTAssertEqual(try LMCFile(parsing: corrupt, source: Self.source).images[0].data[5], 7)
    }

    func testRefusesImpossibleHeaderFields() throws {
        let bytes = try Self.example.serialized(source: Self.source)
        Self.assertRefused(Self.patched(bytes, at: 9, [7]), "unknown pixel kind 7")
        Self.assertRefused(Self.patched(bytes, at: 9, [1, 8]), "binary pixels with 8 bits")
        Self.assertRefused(Self.patched(bytes, at: 9, [1, 1]), "binary images must have 1 channel")
        Self.assertRefused(Self.patched(bytes, at: 10, [9]), "9 bits per sub-pixel")
        Self.assertRefused(Self.patched(bytes, at: 10, [0]), "0 bits per sub-pixel")
        Self.assertRefused(Self.patched(bytes, at: 11, [2]), "2 channels")
        Self.assertRefused(Self.patched(bytes, at: 12, [0]), "image size 0x2")
        let nameOffset = 47 + 7
        Self.assertRefused(Self.patched(bytes, at: nameOffset, Array("a/b.png".utf8)), "is not a plain file name")
        Self.assertRefused(Self.patched(bytes, at: nameOffset, [0x63, 0x61, 0x74, 0, 0x70, 0x6E, 0x67]), "is not a plain file name")
        Self.assertRefused(Self.patched(bytes, at: nameOffset, [0xFF, 0xFE, 0x74, 0x2E, 0x70, 0x6E, 0x67]), "name is not valid UTF-8")
    }

    func testRefusesAnotherModelsFile() throws {
        let bytes = try Self.example.serialized(source: Self.source)
        let other = ModelFingerprint(bytes: [UInt8](repeating: 0xAB, count: 32))
        Self.assertRefused(bytes, "compressed with another model (fingerprint 0001020304050607..., this model's is abababababababab...)",
                           expected: other)
    }

    func testRefusesPixelsThatFailTheirCRC() throws {
        XCTAssertThrowsError(try Self.example.checkPixels(Array(1..<13), image: 0, source: Self.source)) {
            XCTAssertEqual("\($0)", "photos.lmc: image 0 (cat.png): decoded pixels fail their CRC (the model computes "
                + "differently here than where the file was made, or the file is corrupt)")
        }
        XCTAssertThrowsError(try Self.example.checkPixels([Int](repeating: 254, count: 12), image: 1, source: Self.source))
        XCTAssertNoThrow(try Self.example.checkPixels([Int](repeating: 255, count: 12), image: 1, source: Self.source))
    }

    func testWriterRefusesWhatTheFormatCannotHold() {
        func refusal(_ file: LMCFile) -> String? {
            do { _ = try file.serialized(source: Self.source); return nil } catch { return "\(error)" }
        }
        var file = Self.example
        for bad in ["", "a/b", "a\\b", ".", "..", "nul\0", String(repeating: "x", count: 65536)] {
            file.images[0].name = bad
            XCTAssertNotNil(refusal(file).flatMap { $0.contains("not a plain file name") ? $0 : nil }, "name '\(bad.prefix(9))'")
        }
        file = Self.example
        file.images[1].name = "cat.png"
        XCTAssertEqual(refusal(file), "photos.lmc: image 1: name 'cat.png' is used twice")
        file = Self.example
        file.images[0].orderIndex = -1
        XCTAssertEqual(refusal(file), "photos.lmc: image 0: order index -1 does not fit 32 bits")
        file = Self.example
        file.geometry.channels = 2
        XCTAssertEqual(refusal(file), "photos.lmc: 2 channels (expected 1 or 3)")
    }

    func testModelFingerprintCoversWeightsConfigurationAndContext() throws {
        let configuration = ModelConfiguration(channels: 1, height: 8, width: 8, binarize: true, filters: 4, resnets: 1)
        let model = try LocallyMaskedPixelCNN(configuration: configuration, seed: 1)
        let fingerprint = try ModelFingerprint(model: model)
        XCTAssertEqual(fingerprint, try ModelFingerprint(model: LocallyMaskedPixelCNN(configuration: configuration, seed: 1)))
        XCTAssertEqual(fingerprint.description.count, 64)
        XCTAssertNotEqual(fingerprint, try ModelFingerprint(model: model, context: "orders: s_curve/0"))
        var weights = model.namedWeights()
        let name = weights.keys.sorted()[0]
        weights[name]!.scalars[0] = Float(bitPattern: weights[name]!.scalars[0].bitPattern ^ 1)   // one bit
        XCTAssertNotEqual(fingerprint, try ModelFingerprint(configuration: configuration, weights: weights))
        var other = configuration
        other.nBits = 7
        XCTAssertNotEqual(fingerprint, try ModelFingerprint(configuration: other, weights: model.namedWeights()))
    }
}
