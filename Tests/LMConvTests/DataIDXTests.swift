import LMConv
import XCTest

final class DataIDXTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try DataTestKit.makeDirectory() }
    override func tearDown() { DataTestKit.removeDirectory(dir) }

    let fixture = DataTestKit.fixture("gray-28/images.idx")

    func fixtureUint8() throws -> [UInt8] {
        try DataTestKit.safetensorsBytes(DataTestKit.fixture("gray-28/expected.safetensors"), "images_uint8")
    }

    func labelFile(_ labels: [UInt8]) -> [UInt8] {
        let n = labels.count
        return [0, 0, 8, 1, UInt8(n >> 24), UInt8((n >> 16) & 255), UInt8((n >> 8) & 255), UInt8(n & 255)] + labels
    }

    func testReadsFixture() throws {
        let data = try ImageDataset.loadIDX(images: DataTestKit.fixture("binary-28/images.idx"))
        XCTAssertEqual([data.count, data.channels, data.height, data.width], [4, 1, 28, 28])
        XCTAssertNil(data.labels)
        let expected = try DataTestKit.safetensorsBytes(DataTestKit.fixture("binary-28/expected.safetensors"), "images_uint8")
        XCTAssertEqual(data.pixels, expected)
        XCTAssertEqual(Array(data.image(2)), Array(expected[(2 * 784)..<(3 * 784)]))
    }

    func testReadsGzipAndLabels() throws {
        let plain = try DataTestKit.read(fixture)
        let gz = dir + "/images.idx.gz"
        try DataTestKit.write(ZlibCodec.deflate(plain, gzip: true), gz)
        let labels = dir + "/labels.idx"
        try DataTestKit.write(labelFile([9, 2, 1, 1]), labels)
        let data = try ImageDataset.loadIDX(images: gz, labels: labels)
        XCTAssertEqual(data.pixels, try fixtureUint8())
        XCTAssertEqual(data.labels, [9, 2, 1, 1])
        XCTAssertEqual(data.subset([3, 0]).labels, [1, 9])
        XCTAssertEqual(Array(data.subset([3, 0]).image(1)), Array(data.image(0)))
    }

    func testReadsConcatenatedGzipMembers() throws {
        let plain = try DataTestKit.read(fixture)
        let path = dir + "/two-members.gz"
        try DataTestKit.write(ZlibCodec.deflate(Array(plain[..<1000]), gzip: true)
                              + ZlibCodec.deflate(Array(plain[1000...]), gzip: true), path)
        XCTAssertEqual(try ImageDataset.loadIDX(images: path).pixels, try fixtureUint8())
    }

    func testLoadDispatchFindsSiblingLabels() throws {
        let images = dir + "/t10k-images-idx3-ubyte.gz"
        try DataTestKit.write(ZlibCodec.deflate(try DataTestKit.read(fixture), gzip: true), images)
        try DataTestKit.write(ZlibCodec.deflate(labelFile([9, 2, 1, 1]), gzip: true), dir + "/t10k-labels-idx1-ubyte.gz")
        let data = try ImageDataset.load(path: images)
        XCTAssertEqual(data.count, 4)
        XCTAssertEqual(data.labels, [9, 2, 1, 1])
    }

    func testErrors() throws {
        let plain = try DataTestKit.read(fixture)
        DataTestKit.assertError([dir + "/missing.idx", "no such file"]) { try ImageDataset.loadIDX(images: dir + "/missing.idx") }

        let wrongMagic = dir + "/magic.idx"
        try DataTestKit.write([0x50, 0x4B, 3, 4] + plain[4...], wrongMagic)
        DataTestKit.assertError([wrongMagic, "not an IDX file", "00000803"]) { try ImageDataset.loadIDX(images: wrongMagic) }

        let labelsAsImages = dir + "/labels.idx"
        try DataTestKit.write(labelFile([1, 2]), labelsAsImages)
        DataTestKit.assertError([labelsAsImages, "1 dimensions"]) { try ImageDataset.loadIDX(images: labelsAsImages) }

        let truncated = dir + "/truncated.idx"
        try DataTestKit.write(Array(plain.dropLast(10)), truncated)
        DataTestKit.assertError([truncated, "truncated"]) { try ImageDataset.loadIDX(images: truncated) }

        let header = dir + "/header.idx"
        try DataTestKit.write(Array(plain[..<9]), header)
        DataTestKit.assertError([header, "truncated"]) { try ImageDataset.loadIDX(images: header) }

        let extra = dir + "/extra.idx"
        try DataTestKit.write(plain + [1, 2, 3], extra)
        DataTestKit.assertError([extra, "3 bytes past"]) { try ImageDataset.loadIDX(images: extra) }

        let gz = ZlibCodec.deflate(plain, gzip: true)
        let truncatedGz = dir + "/truncated.idx.gz"
        try DataTestKit.write(Array(gz[..<(gz.count / 2)]), truncatedGz)
        DataTestKit.assertError([truncatedGz, "truncated"]) { try ImageDataset.loadIDX(images: truncatedGz) }

        var corrupt = gz
        for i in 20..<60 { corrupt[i] ^= 0x5A }
        let corruptGz = dir + "/corrupt.idx.gz"
        try DataTestKit.write(corrupt, corruptGz)
        DataTestKit.assertError([corruptGz, "corrupt"]) { try ImageDataset.loadIDX(images: corruptGz) }

        let good = dir + "/good.idx"
        try DataTestKit.write(plain, good)
        let badLabels = dir + "/bad-labels.idx"
        try DataTestKit.write(labelFile([1, 2, 3]), badLabels)
        DataTestKit.assertError([badLabels, "3 labels", "4 images"]) { try ImageDataset.loadIDX(images: good, labels: badLabels) }
    }

    func testFashionMNIST() throws {
        DataTestKit.assertError(["/nonexistent", "dataset-fashion-mnist"]) {
            try ImageDataset.fashionMNIST(split: .test, directory: "/nonexistent")
        }
        // scripts/setup.sh installs Debian's dataset-fashion-mnist; without it this test fails rather than skips.
        let test = try ImageDataset.fashionMNIST(split: .test)
        XCTAssertEqual([test.count, test.channels, test.height, test.width], [10000, 1, 28, 28])
        XCTAssertEqual(Array(test.labels!.prefix(4)), [9, 2, 1, 1])
        // The gray-28 fixture holds the first four test images.
        XCTAssertEqual(test.prefix(4).pixels, try fixtureUint8())
    }
}
