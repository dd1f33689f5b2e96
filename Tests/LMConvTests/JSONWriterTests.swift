import Foundation
import LMConv
import XCTest

/// The one JSON writer: sorted keys, escapes that parse back exactly, slashes left alone, null for non-finite numbers.
final class JSONWriterTests: XCTestCase {
    func testSortedKeysAndExactRoundTrip() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{7} path /usr/share é 😀"
        let text = try JSONWriter.string(["zeta": tricky, "alpha": "/a/b", "mid": "x"])
        XCTAssertTrue(text.hasPrefix("{\"alpha\":\"/a/b\",\"mid\":\"x\",\"zeta\":"), text)
        XCTAssertFalse(text.contains("\n"), text)
        let back = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
        XCTAssertEqual(back?["zeta"], tricky)
        // The same value, the same bytes.
        XCTAssertEqual(try JSONWriter.string(["zeta": tricky, "alpha": "/a/b", "mid": "x"]), text)
        XCTAssertEqual(JSONWriter.string(jsonObject: ["b": 1, "a": [true, NSNull()]] as [String: Any]), "{\"a\":[true,null],\"b\":1}")
    }

    func testMetricsLinesAndSafetensorsHeadersGoThroughIt() throws {
        let record = MetricsRecord(step: 3, [("train_bpd", .double(0.25)), ("note", .string("a/b \"c\"")),
                                             ("loss", .double(.infinity)), ("best", .bool(true))])
        XCTAssertEqual(record.jsonLine, #"{"best":true,"loss":null,"note":"a/b \"c\"","step":3,"train_bpd":0.25}"#)
        let file = SafetensorsFile(metadata: ["k/\"": "v\n"], tensors: ["t": SafetensorsTensor(shape: [1], floats: [1])])
        let bytes = file.serialized()
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        XCTAssertEqual(header.trimmingCharacters(in: .whitespaces),
                       #"{"__metadata__":{"k/\"":"v\n"},"t":{"data_offsets":[0,4],"dtype":"F32","shape":[1]}}"#)
    }
}
