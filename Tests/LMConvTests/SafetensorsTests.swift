import Foundation
import LMConv
import TestSupport
import XCTest

final class SafetensorsTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    private func sample() -> SafetensorsFile {
        SafetensorsFile(
            metadata: ["format": "pt", "note": "quote \" and \\ and\nnewline"],
            tensors: [
                "b.weight": SafetensorsTensor(shape: [2, 3], floats: [1, -2.5, 3e-8, .infinity, -0.0, 7]),
                "a.order": SafetensorsTensor(shape: [3, 2], int64s: [0, 1, -5, Int64.max, Int64.min, 42]),
                "scalar": SafetensorsTensor(shape: [], floats: [0.25]),
                "empty": SafetensorsTensor(shape: [0, 4], floats: []),
            ])
    }

    private func write(_ bytes: [UInt8], named name: String) throws -> URL {
        let url = scratch.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    private func assertThrowsNaming(_ url: URL, _ expression: @autoclosure () throws -> Any,
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let error = error as? LMConvError else {
                return XCTFail("not an LMConvError: \(error)", file: file, line: line)
            }
            XCTAssertTrue(error.message.contains(url.path), "message does not name the file: \(error.message)",
                          file: file, line: line)
            XCTAssertFalse(error.message.contains("\n"), "message is not one line: \(error.message)", file: file, line: line)
        }
    }

    func testRoundTripThroughFile() throws {
        let original = sample()
        let url = scratch.appendingPathComponent("round.safetensors")
        try original.write(to: url)
        let read = try SafetensorsFile.read(contentsOf: url)
        XCTAssertEqual(read, original)
        XCTAssertEqual(try read.tensors["b.weight"]!.floats().map(\.bitPattern),
                       [1, -2.5, 3e-8, .infinity, -0.0, 7].map { Float($0).bitPattern })
        XCTAssertEqual(try read.tensors["a.order"]!.int64s(), [0, 1, -5, Int64.max, Int64.min, 42])
        XCTAssertEqual(read.tensors["scalar"]!.shape, [])
        XCTAssertEqual(read.metadata["note"], "quote \" and \\ and\nnewline")
        // Only the target is left in the directory (the temporary file was renamed over it).
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path), ["round.safetensors"])
    }

    func testSerializedLayout() throws {
        let bytes = sample().serialized()
        var headerLength = 0
        for i in (0..<8).reversed() { headerLength = headerLength << 8 | Int(bytes[i]) }
        XCTAssertEqual(headerLength % 8, 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        // Tensors are laid out sorted by name: a.order (48 bytes) first, then b.weight, empty, scalar.
        XCTAssertTrue(header.contains("\"a.order\":{\"data_offsets\":[0,48],\"dtype\":\"I64\",\"shape\":[3,2]}"), header)
        XCTAssertTrue(header.contains("\"b.weight\":{\"data_offsets\":[48,72],\"dtype\":\"F32\",\"shape\":[2,3]}"), header)
        XCTAssertEqual(bytes.count, 8 + headerLength + 48 + 24 + 0 + 4)
        // Little-endian data: the first int64 is 0, the second 1.
        XCTAssertEqual(Array(bytes[(8 + headerLength + 8)..<(8 + headerLength + 16)]), [1, 0, 0, 0, 0, 0, 0, 0])
    }

    func testWriteReplacesExistingFile() throws {
        let url = scratch.appendingPathComponent("replace.safetensors")
        try Data([1, 2, 3]).write(to: url)
        try sample().write(to: url)
        XCTAssertEqual(try SafetensorsFile.read(contentsOf: url), sample())
    }

    func testReadsEveryFixture() throws {
        let enumerator = FileManager.default.enumerator(at: fixturesDirectory, includingPropertiesForKeys: nil)!
        var count = 0
        for case let url as URL in enumerator where url.pathExtension == "safetensors" {
            let file = try SafetensorsFile.read(contentsOf: url)
            XCTAssertFalse(file.tensors.isEmpty, url.path)
            for (name, tensor) in file.tensors {
                switch tensor.dtype {
                case .f32, .f64: XCTAssertEqual(try tensor.floats().count, tensor.shape.reduce(1, *), name)
                case .i64, .i32: XCTAssertEqual(try tensor.int64s().count, tensor.shape.reduce(1, *), name)
                case .u8: XCTAssertEqual(try tensor.uint8s().count, tensor.shape.reduce(1, *), name)
                }
            }
            // Re-serializing and reading back gives the same tensors (our layout may differ from the writer's).
            XCTAssertEqual(try SafetensorsFile(bytes: file.serialized(), source: "memory"), file, url.path)
            count += 1
        }
        XCTAssertEqual(count, 16)
        let orders = try SafetensorsFile.read(contentsOf: fixturesDirectory.appendingPathComponent("orders.safetensors"))
        XCTAssertEqual(orders.tensors["raster_scan.8x8"]?.dtype, .i64)
        XCTAssertEqual(orders.tensors["raster_scan.8x8"]?.shape, [64, 2])
        XCTAssertEqual(Array(try orders.tensors["raster_scan.8x8"]!.int64s().prefix(6)), [0, 0, 0, 1, 0, 2])
    }

    func testMissingFileThrowsNamingIt() {
        let url = scratch.appendingPathComponent("does-not-exist.safetensors")
        assertThrowsNaming(url, try SafetensorsFile.read(contentsOf: url))
    }

    func testTruncatedFileThrowsNamingIt() throws {
        let full = sample().serialized()
        for length in [0, 5, 8, 20, full.count - 1] {
            let url = try write(Array(full.prefix(length)), named: "truncated-\(length).safetensors")
            assertThrowsNaming(url, try SafetensorsFile.read(contentsOf: url))
        }
    }

    func testBadHeaderThrowsNamingIt() throws {
        func file(header: String, data: [UInt8] = []) -> [UInt8] {
            let h = Array(header.utf8)
            return (0..<8).map { UInt8(truncatingIfNeeded: h.count >> (8 * $0)) } + h + data
        }
        let cases: [(String, [UInt8])] = [
            ("{not json", []),
            ("[1, 2]", []),
            ("{\"x\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}", [0, 0]),
            ("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", [0, 0, 0, 0]),
            ("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", [0, 0, 0, 0]),
            ("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
             + "\"y\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", [0, 0, 0, 0]),
            ("{\"__metadata__\":{\"a\":1}}", []),
            ("{\"x\":{\"dtype\":\"F32\",\"shape\":[1]}}", []),
        ]
        for (i, (header, data)) in cases.enumerated() {
            let url = try write(file(header: header, data: data), named: "bad-\(i).safetensors")
            assertThrowsNaming(url, try SafetensorsFile.read(contentsOf: url))
        }
    }

    func testWrongDTypeAccessThrows() {
        let ints = SafetensorsTensor(shape: [2], int64s: [1, 2])
        XCTAssertThrowsError(try ints.floats())
        XCTAssertThrowsError(try SafetensorsTensor(shape: [1], floats: [1]).int64s())
    }

    func testConvertsF64AndI32() throws {
        let f64 = SafetensorsTensor(dtype: .f64, shape: [2], bytes: (0.5 as Double).bitPattern.littleEndianBytes
                                    + (-3.0 as Double).bitPattern.littleEndianBytes)
        XCTAssertEqual(try f64.floats(), [0.5, -3])
        let i32 = SafetensorsTensor(dtype: .i32, shape: [2], bytes: UInt32(7).littleEndianBytes
                                    + UInt32(bitPattern: -2).littleEndianBytes)
        XCTAssertEqual(try i32.int64s(), [7, -2])
    }
}

private extension FixedWidthInteger {
    var littleEndianBytes: [UInt8] { (0..<(Self.bitWidth / 8)).map { UInt8(truncatingIfNeeded: self >> (8 * $0)) } }
}
