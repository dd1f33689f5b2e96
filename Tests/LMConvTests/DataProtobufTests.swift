import LMConv
import XCTest

/// tf.train.Example parsing, on bytes written out by hand from the protobuf encoding rules (so that a mistake shared
/// by the library's reader and writer cannot hide).
final class DataProtobufTests: XCTestCase {
    /// Example { features { feature { key: "label" value { int64_list { value: [7] } } } } }, packed:
    /// Int64List 0a 01 07; Feature 1a 03 <that>; entry 0a 05 "label" 12 05 <feature>; Features 0a 0e <entry>;
    /// Example 0a 10 <features>.
    static let labelSeven: [UInt8] = [0x0A, 0x10, 0x0A, 0x0E, 0x0A, 0x05] + Array("label".utf8)
        + [0x12, 0x05, 0x1A, 0x03, 0x0A, 0x01, 0x07]

    func example(_ name: String, feature: [UInt8]) -> [UInt8] {
        let entry: [UInt8] = [0x0A, UInt8(name.utf8.count)] + Array(name.utf8) + [0x12, UInt8(feature.count)] + feature
        let features: [UInt8] = [0x0A, UInt8(entry.count)] + entry
        return [0x0A, UInt8(features.count)] + features
    }

    func testParsesAndWritesPackedInt64() throws {
        XCTAssertEqual(example("label", feature: [0x1A, 0x03, 0x0A, 0x01, 0x07]), Self.labelSeven)
        let parsed = try TFExample(parsing: Self.labelSeven[...])
        XCTAssertEqual(parsed.features, ["label": .int64s([7])])
        XCTAssertEqual(parsed.serialized(), Self.labelSeven)
    }

    func testUnpackedNegativeAndMultiByteInt64s() throws {
        // Unpacked: 08 <varint> per value. -1 takes ten bytes; 300 is ac 02.
        let list: [UInt8] = [0x08, 0xAC, 0x02, 0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x01]
        let parsed = try TFExample(parsing: example("shape", feature: [0x1A, UInt8(list.count)] + list)[...])
        XCTAssertEqual(parsed.features["shape"], .int64s([300, -1]))
        // Packed and unpacked pieces of one list concatenate.
        let mixed: [UInt8] = [0x0A, 0x02, 0x01, 0x02, 0x08, 0x03]
        XCTAssertEqual(try TFExample(parsing: example("x", feature: [0x1A, 0x06] + mixed)[...]).features["x"],
                       .int64s([1, 2, 3]))
    }

    func testFloatsBytesAndUnknownFields() throws {
        // FloatList packed [1.0] (0a 04 00 00 80 3f) then unpacked [-2.0] (0d 00 00 00 c0).
        let floats: [UInt8] = [0x0A, 0x04, 0x00, 0x00, 0x80, 0x3F, 0x0D, 0x00, 0x00, 0x00, 0xC0]
        XCTAssertEqual(try TFExample(parsing: example("f", feature: [0x12, UInt8(floats.count)] + floats)[...])
                        .features["f"], .floats([1, -2]))
        // BytesList ["ab", ""], with unknown fields around it: a varint field 5 (28 01), a fixed64 field 6
        // (31 + 8 bytes) and a fixed32 field 7 (3d + 4 bytes) inside the Feature.
        let bytes: [UInt8] = [0x0A, 0x02, 0x61, 0x62, 0x0A, 0x00]
        let feature: [UInt8] = [0x28, 0x01, 0x0A, UInt8(bytes.count)] + bytes + [0x31] + [UInt8](repeating: 9, count: 8)
            + [0x3D, 1, 2, 3, 4]
        let parsed = try TFExample(parsing: example("data", feature: feature)[...])
        XCTAssertEqual(parsed.features["data"], .bytes([[0x61, 0x62], []]))
        // Round trip through the writer.
        let all = TFExample(features: ["data": .bytes([[1, 2, 3]]), "shape": .int64s([2, -5]), "f": .floats([0.5])])
        XCTAssertEqual(try TFExample(parsing: all.serialized()[...]), all)
    }

    func testMalformedMessages() {
        func check(_ bytes: [UInt8], _ words: String) {
            XCTAssertThrowsError(try TFExample(parsing: bytes[...])) { error in
                XCTAssertTrue((error as? LMConvError)?.message.contains(words) ?? false, "\(error)")
            }
        }
        check([0x0A, 0x05, 0x0A], "runs past the end")
        check([0x0A], "varint is truncated")
        check([0x0B], "groups")
        check([0x0E], "invalid wire type")
        check([0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01], "longer than 64 bits")
        check(example("f", feature: [0x12, 0x05, 0x0A, 0x03, 0, 0, 0]), "not a multiple of 4")
    }
}
