import Foundation
import LMConv
import TestSupport
import XCTest

/// The .lmc container: the documented bytes, round trips, and a one-line refusal naming the file for every kind of
/// bad file.
final class CompressionLMCFileTests: XCTestCase {
    static let source = "photos.lmc"

    /// The file that Tests/Fixtures/compression/make-example.py writes from docs/FORMAT.md (version 3).
    static let example = LMCFile(
        fingerprint: ModelFingerprint(bytes: Array(0..<32)),
        geometry: .init(channels: 3, height: 2, width: 2, pixels: .levels(bits: 8)),
        images: [
            .init(orderIndex: 3, pixelCRC: LMCFile.pixelCRC(levels: Array(0..<12)), name: "cat.png"),
            .init(orderIndex: 0, pixelCRC: LMCFile.pixelCRC(levels: [Int](repeating: 255, count: 12)), name: nil),
            .init(orderIndex: 0, pixelCRC: LMCFile.pixelCRC(levels: [Int](repeating: 7, count: 12)), name: "dog.png"),
        ],
        groupSize: 2, streams: [Array(0xA0...0xAB), Array(1...8)])

    /// Where the header CRC of `example`'s bytes starts: 49 bytes up to the image table (one-byte varints here),
    /// 13 + 6 + 13 bytes of table, 2 one-byte stream lengths.
    static let headerEnd = 49 + 32 + 2

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
        let fixture = [UInt8](try Data(contentsOf: fixturesDirectory.appendingPathComponent("compression/example-v3.lmc")))
        XCTAssertEqual(try Self.example.serialized(source: Self.source), fixture)
        let parsed = try LMCFile(parsing: fixture, source: Self.source, expectedFingerprint: Self.example.fingerprint)
        XCTAssertEqual(parsed, Self.example)
        XCTAssertEqual(parsed.groups, [[1, 2], [0]])
        XCTAssertNoThrow(try parsed.checkPixels(Array(0..<12), image: 0, source: Self.source))
    }

    /// Version 2 (every image its own stream, streams in image order) is still read: as groups of one image.
    func testReadsVersion2() throws {
        let fixture = [UInt8](try Data(contentsOf: fixturesDirectory.appendingPathComponent("compression/example-v2.lmc")))
        let parsed = try LMCFile(parsing: fixture, source: Self.source)
        XCTAssertEqual(parsed, LMCFile(
            fingerprint: ModelFingerprint(bytes: Array(0..<32)), geometry: Self.example.geometry,
            images: Array(Self.example.images[0...1]), groupSize: 1, streams: [Array(0xA0...0xA7), Array(1...12)]))
        XCTAssertEqual(parsed.groups, [[1], [0]])
        // Every truncation of it is refused too.
        for length in 0..<fixture.count {
            XCTAssertNotNil(Self.refusal(Array(fixture[0..<length])), "version 2 truncated to \(length)")
        }
    }

    /// Groups: by order index, then image index, cut every groupSize images and where the order changes.
    func testGroups() {
        XCTAssertEqual(LMCFile.groups(orderIndices: [], groupSize: 3), [])
        XCTAssertEqual(LMCFile.groups(orderIndices: [0, 0, 0, 0, 0], groupSize: 2), [[0, 1], [2, 3], [4]])
        XCTAssertEqual(LMCFile.groups(orderIndices: [2, 0, 2, 0, 1, 2], groupSize: 2), [[1, 3], [4], [0, 2], [5]])
        XCTAssertEqual(LMCFile.groups(orderIndices: [1, 0, 1], groupSize: 1), [[1], [0], [2]])
    }

    func testRoundTripsOfOtherGeometries() throws {
        let geometries: [LMCFile.Geometry] = [
            .init(channels: 1, height: 28, width: 28, pixels: .binary), .init(channels: 1, height: 1, width: 65535, pixels: .levels(bits: 1)),
            .init(channels: 3, height: 32, width: 32, pixels: .levels(bits: 5)),
        ]
        for geometry in geometries {
            for count in [0, 1, 5] {
                for (withOrders, withNames) in [(false, false), (true, false), (false, true), (true, true)] {
                    let images = (0..<count).map {
                        LMCFile.Image(orderIndex: withOrders ? $0 % 2 * 1000 : 0, pixelCRC: UInt32($0) &* 0x9E37_79B9,
                                      name: withNames && $0 % 2 == 0 ? "é \($0).png" : nil)
                    }
                    let groups = LMCFile.groups(orderIndices: images.map(\.orderIndex), groupSize: 2)
                    let file = LMCFile(fingerprint: ModelFingerprint(bytes: [UInt8](repeating: 7, count: 32)), geometry: geometry,
                                       images: images, groupSize: 2,
                                       streams: groups.indices.map { [UInt8](repeating: UInt8($0), count: 8 + 4 * $0) })
                    let bytes = try file.serialized(source: Self.source)
                    XCTAssertEqual(try LMCFile(parsing: bytes, source: Self.source), file)
                    if !withOrders && !withNames {   // 4 bytes per image (its CRC) and a length per stream
                        XCTAssertEqual(bytes.count, 49 + (geometry.width > 127 ? 2 : 0) + 4 * count + groups.count + 4 + file.codedByteCount)
                    }
                }
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
        Self.assertRefused(Self.patched(bytes, at: 8, [4]), ".lmc version 4, this program reads versions 2 to 3")
        Self.assertRefused(Self.patched(bytes, at: 8, [1]), ".lmc version 1, this program reads versions 2 to 3")
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
        let lengthOffset = 81   // stream 0's coded length (a one-byte varint)
        Self.assertRefused(Self.patched(bytes, at: lengthOffset, [13]), "add up to more than the 20 bytes after the header (truncated file)")
        Self.assertRefused(Self.patched(bytes, at: lengthOffset, [11]), "1 bytes of trailing garbage")
        Self.assertRefused(Self.patched(bytes, at: lengthOffset, [90]), "add up to more")
        Self.assertRefused(bytes + [0], "1 bytes of trailing garbage after the last stream")
        Self.assertRefused(bytes + Array(repeating: 0x41, count: 100), "100 bytes of trailing garbage")
        // An image count far beyond the file (a two-byte varint 16383 over the count and the flags): refused before
        // anything is allocated for it.
        Self.assertRefused(Self.patched(bytes, at: 46, [0xFF, 0x7F]), "image count 16383 is impossible here")
        Self.assertRefused(Self.patched(bytes, at: 48, [0x80, 0x40]), "images per stream 8192 is impossible here")
    }

    func testRefusesCorruptHeaderAndData() throws {
        let bytes = try Self.example.serialized(source: Self.source)
        // Bits, fingerprint, flags, group size, pixel CRCs, a name byte, a length, the CRC itself.
        for offset in [10, 20, 40, 47, 48, 51, 56, 64, 76, 82, Self.headerEnd + 2] {
            var corrupt = bytes
            corrupt[offset] ^= 0x01
            Self.assertRefused(corrupt, offset == Self.headerEnd + 2 || offset < 47 || offset > 48 ? "header fails its CRC (corrupt file)" : "photos.lmc: ")
        }
        // The coded data has no CRC of its own: decoding (the rANS end state, then the pixel CRC) catches it.
        var corrupt = bytes
        corrupt[Self.headerEnd + 4 + 5] ^= 1   // inside stream 0
        XCTAssertEqual(try LMCFile(parsing: corrupt, source: Self.source).streams[0][5], 0xA4)
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
        Self.assertRefused(Self.patched(bytes, at: 47, [3 | 8]), "unknown flags 11")
        Self.assertRefused(Self.patched(bytes, at: 48, [0]), "0 images per stream")
        let nameOffset = 55
        Self.assertRefused(Self.patched(bytes, at: nameOffset, Array("a/b.png".utf8)), "is not a plain file name")
        Self.assertRefused(Self.patched(bytes, at: nameOffset, [0x63, 0x61, 0x74, 0, 0x70, 0x6E, 0x67]), "is not a plain file name")
        Self.assertRefused(Self.patched(bytes, at: nameOffset, [0xFF, 0xFE, 0x74, 0x2E, 0x70, 0x6E, 0x67]), "name is not valid UTF-8")
        Self.assertRefused(Self.patched(bytes, at: 74, Array("cat.png".utf8)), "name 'cat.png' is used twice")
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
        file.images[2].name = "cat.png"
        XCTAssertEqual(refusal(file), "photos.lmc: image 2: name 'cat.png' is used twice")
        file = Self.example
        file.images[0].orderIndex = -1
        XCTAssertEqual(refusal(file), "photos.lmc: image 0: order index -1 does not fit 32 bits")
        file = Self.example
        file.geometry.channels = 2
        XCTAssertEqual(refusal(file), "photos.lmc: 2 channels (expected 1 or 3)")
        file = Self.example
        file.streams.removeLast()
        XCTAssertEqual(refusal(file), "photos.lmc: 1 streams for 2 groups of images")
        file = Self.example
        file.groupSize = 0
        XCTAssertEqual(refusal(file), "photos.lmc: 0 images per stream (expected 1 to 4096)")
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
