import LMConv
import XCTest

final class DataNPYTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try DataTestKit.makeDirectory() }
    override func tearDown() { DataTestKit.removeDirectory(dir) }

    /// A .npy file as numpy writes it: magic, version, little-endian header length, a dict padded with spaces to a
    /// multiple of 64 bytes and ended by a newline, then the data.
    func npy(shape: [Int], data: [UInt8], descr: String = "|u1", fortran: Bool = false, version: UInt8 = 1) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let n = header.utf8.count
        let length: [UInt8] = version == 1 ? [UInt8(n & 255), UInt8(n >> 8)] : [UInt8(n & 255), UInt8(n >> 8), 0, 0]
        return [0x93] + Array("NUMPY".utf8) + [version, 0] + length + Array(header.utf8) + data
    }

    /// Pixel value of image n, channel c, row y, column x: distinct for each position in these small tests.
    func value(_ n: Int, _ c: Int, _ y: Int, _ x: Int) -> UInt8 { UInt8((n * 97 + c * 41 + y * 7 + x) % 256) }

    func load(_ bytes: [UInt8], _ name: String = "a.npy") throws -> ImageDataset {
        try DataTestKit.write(bytes, dir + "/" + name)
        return try ImageDataset.load(path: dir + "/" + name)
    }

    func testThreeLayouts() throws {
        let (n, h, w) = (2, 5, 4)
        // (N, H, W): one channel.
        var nhw = [UInt8]()
        for i in 0..<n { for y in 0..<h { for x in 0..<w { nhw.append(value(i, 0, y, x)) } } }
        let gray = try load(npy(shape: [n, h, w], data: nhw))
        XCTAssertEqual([gray.count, gray.channels, gray.height, gray.width], [2, 1, 5, 4])
        XCTAssertEqual(gray.pixels, nhw)

        // (N, C, H, W) and (N, H, W, C) with C = 3 hold the same images.
        var nchw = [UInt8](), nhwc = [UInt8]()
        for i in 0..<n { for c in 0..<3 { for y in 0..<h { for x in 0..<w { nchw.append(value(i, c, y, x)) } } } }
        for i in 0..<n { for y in 0..<h { for x in 0..<w { for c in 0..<3 { nhwc.append(value(i, c, y, x)) } } } }
        let first = try load(npy(shape: [n, 3, h, w], data: nchw), "first.npy")
        let last = try load(npy(shape: [n, h, w, 3], data: nhwc, version: 2), "last.npy")
        XCTAssertEqual([first.count, first.channels, first.height, first.width], [2, 3, 5, 4])
        XCTAssertEqual(first.pixels, nchw)
        XCTAssertEqual(last, first)

        // One channel in either 4-d layout, and a gzip-compressed file.
        XCTAssertEqual(try load(npy(shape: [n, h, w, 1], data: nhw), "c1.npy").pixels, nhw)
        XCTAssertEqual(try load(ZlibCodec.deflate(npy(shape: [n, 1, h, w], data: nhw), gzip: true), "c1.npy.gz").pixels, nhw)
    }

    func testErrors() throws {
        let data = [UInt8](repeating: 1, count: 2 * 3 * 4)
        let path = dir + "/bad.npy"
        func check(_ bytes: [UInt8], _ parts: [String], line: UInt = #line) throws {
            try DataTestKit.write(bytes, path)
            DataTestKit.assertError([path] + parts, line: line) { try ImageDataset.loadNPY(path: path) }
        }
        try check(npy(shape: [2, 3, 4], data: data, fortran: true), ["Fortran"])
        try check(npy(shape: [2, 3, 1], data: Array(data[..<6]) + [0, 0, 0, 0, 0, 0], descr: "<f4"), ["dtype '<f4'"])
        try check(npy(shape: [2, 3, 4], data: Array(data.dropLast())), ["truncated", "24 bytes", "23"])
        try check(npy(shape: [2, 3, 4], data: data + [0]), ["1 bytes past"])
        try check(npy(shape: [6, 4], data: data), ["not images"])
        try check(npy(shape: [1, 2, 3, 4], data: data), ["not images"])
        try check(npy(shape: [1, 3, 8, 1], data: data), ["ambiguous"])
        try check(Array(npy(shape: [2, 3, 4], data: data)[..<30]), ["header is truncated"])
        try check([0x93] + Array("NUMPX".utf8) + [1, 0, 0, 0], ["not a .npy file"])
        try check(npy(shape: [2, 3, 4], data: data, version: 4), ["version 4.0"])
    }

    /// The float32 arrays NPYWriter writes: numpy's header (the same bytes as `npy(...)` builds, which mirrors what
    /// numpy.save writes), the data at a multiple of 64 bytes, little-endian IEEE values in C order.
    func testWriterFloat32Array() throws {
        let values: [Float] = [0, 1.5, -2, .infinity, 3.25, 1e-7]
        let bytes = NPYWriter.float32Array(values, shape: [2, 3])
        let littleEndian = values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
        XCTAssertEqual(bytes, npy(shape: [2, 3], data: littleEndian, descr: "<f4"))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        XCTAssertEqual(bytes.count, 10 + headerLength + 4 * values.count)
        XCTAssertEqual(NPYWriter.float32Array([7], shape: [1]), npy(shape: [1], data: [0, 0, 0xE0, 0x40], descr: "<f4"))
        // Written atomically where asked; no temporary file left beside it.
        try NPYWriter.writeFloat32(values, shape: [3, 2], to: dir + "/maps.npy")
        XCTAssertEqual(try DataFile.read(dir + "/maps.npy"), NPYWriter.float32Array(values, shape: [3, 2]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["maps.npy"])
    }
}
