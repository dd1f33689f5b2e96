import Foundation
import LMConv
import TestSupport
import XCTest

/// Helpers shared by the data-format tests (namespaced so they cannot collide with other test files).
enum DataTestKit {
    /// A fresh temporary directory for one test; remove it with `removeDirectory`.
    static func makeDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lmconv-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    static func write(_ bytes: [UInt8], _ path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func fixture(_ relative: String) -> String {
        fixturesDirectory.appendingPathComponent(relative).path
    }

    /// The raw bytes of tensor `name` in a safetensors file (8-byte little-endian header length, JSON header, data).
    static func safetensorsBytes(_ path: String, _ name: String) throws -> [UInt8] {
        let bytes = try read(path)
        let headerLength = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as! [String: Any]
        let offsets = (header[name] as! [String: Any])["data_offsets"] as! [Int]
        return Array(bytes[(8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1])])
    }

    /// Float32 little-endian tensor `name` of a safetensors file.
    static func safetensorsFloats(_ path: String, _ name: String) throws -> [Float] {
        let raw = try safetensorsBytes(path, name)
        return stride(from: 0, to: raw.count, by: 4).map { i in
            Float(bitPattern: UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24)
        }
    }

    /// A PNG file built chunk by chunk: IHDR (`depth`, `colorType`, `interlace`), the `extra` chunks (type, data),
    /// one IDAT holding `raw` (filter bytes and scanlines) deflated or `compressed` as is, and IEND.
    static func png(width: Int, height: Int, depth: UInt8 = 8, colorType: UInt8, interlace: UInt8 = 0,
                    extra: [(String, [UInt8])] = [], raw: [UInt8] = [], compressed: [UInt8]? = nil) -> [UInt8] {
        let ihdr = bigEndian(width) + bigEndian(height) + [depth, colorType, 0, 0, interlace]
        return PNG.signature + pngChunk("IHDR", ihdr) + extra.flatMap { pngChunk($0.0, $0.1) }
            + pngChunk("IDAT", compressed ?? ZlibCodec.deflate(raw)) + pngChunk("IEND", [])
    }

    /// One PNG chunk: length, type, data, CRC of type and data.
    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(data.count) + body + bigEndian(Int(ZlibCodec.crc32(body[...])))
    }

    static func bigEndian(_ v: Int) -> [UInt8] {
        [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)]
    }

    /// Asserts that `body` throws an `LMConvError` whose message is one line containing every string of `parts`
    /// (normally the file's path and words saying what is wrong).
    static func assertError<T>(
        _ parts: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T
    ) {
        do {
            _ = try body()
            XCTFail("expected an LMConvError containing \(parts)", file: file, line: line)
        } catch let error as LMConvError {
            XCTAssertFalse(error.message.contains("\n"), "message is not one line: \(error.message)", file: file, line: line)
            for part in parts where !error.message.contains(part) {
                XCTFail("error \"\(error.message)\" does not contain \"\(part)\"", file: file, line: line)
            }
        } catch {
            XCTFail("expected an LMConvError, got \(error)", file: file, line: line)
        }
    }
}
