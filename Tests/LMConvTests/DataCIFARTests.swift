import LMConv
import XCTest

final class DataCIFARTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try DataTestKit.makeDirectory() }
    override func tearDown() { DataTestKit.removeDirectory(dir) }

    let fixture = DataTestKit.fixture("rgb-32/images.bin")

    func expectedPixels() throws -> [UInt8] {
        try DataTestKit.safetensorsBytes(DataTestKit.fixture("rgb-32/expected.safetensors"), "images_uint8")
    }

    func testReadsFixture() throws {
        let data = try ImageDataset.loadCIFAR(files: [fixture])
        XCTAssertEqual([data.count, data.channels, data.height, data.width], [4, 3, 32, 32])
        XCTAssertEqual(data.labels, [0, 0, 0, 0])
        XCTAssertEqual(data.pixels, try expectedPixels())
        XCTAssertEqual(try ImageDataset.load(path: fixture), data)
    }

    func testReadsSeveralBatchesOfADirectory() throws {
        var bytes = try DataTestKit.read(fixture)
        let record = 3073
        bytes[record] = 7  // second image's label
        try DataTestKit.write(Array(bytes[..<(3 * record)]), dir + "/data_batch_1.bin")
        try DataTestKit.write(Array(bytes[(3 * record)...]), dir + "/data_batch_2.bin")
        try DataTestKit.write(Array(bytes[..<record]), dir + "/test_batch.bin")  // not a training batch
        let data = try ImageDataset.load(path: dir)
        XCTAssertEqual(data.count, 4)
        XCTAssertEqual(data.labels, [0, 7, 0, 0])
        XCTAssertEqual(data.pixels, try expectedPixels())
        XCTAssertEqual(try ImageDataset.loadCIFAR(files: [dir + "/test_batch.bin"]).count, 1)
    }

    func testErrors() throws {
        let bytes = try DataTestKit.read(fixture)
        DataTestKit.assertError([dir + "/none.bin", "no such file"]) { try ImageDataset.loadCIFAR(files: [dir + "/none.bin"]) }

        let truncated = dir + "/truncated.bin"
        try DataTestKit.write(Array(bytes.dropLast()), truncated)
        DataTestKit.assertError([truncated, "not a whole number of CIFAR-10 records"]) {
            try ImageDataset.loadCIFAR(files: [truncated])
        }
        var badLabel = bytes
        badLabel[3073 * 2] = 200
        let badLabelPath = dir + "/bad-label.bin"
        try DataTestKit.write(badLabel, badLabelPath)
        DataTestKit.assertError([badLabelPath, "record 2", "label 200"]) { try ImageDataset.loadCIFAR(files: [badLabelPath]) }

        let empty = dir + "/empty.bin"
        try DataTestKit.write([], empty)
        DataTestKit.assertError([empty, "empty"]) { try ImageDataset.loadCIFAR(files: [empty]) }
    }
}
