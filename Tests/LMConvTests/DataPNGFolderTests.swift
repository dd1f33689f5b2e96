import LMConv
import XCTest

final class DataPNGFolderTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try DataTestKit.makeDirectory() }
    override func tearDown() { DataTestKit.removeDirectory(dir) }

    func image(_ channels: Int, _ seed: Int, width: Int = 4, height: Int = 3) -> RGBImage {
        RGBImage(width: width, height: height, channels: channels,
                 pixels: (0..<(width * height * channels)).map { UInt8(($0 * 7 + seed * 50) % 256) })
    }

    func testLoadsSortedAndPromotesGray() throws {
        let a = image(1, 1), b = image(3, 2), c = image(3, 3)
        try PNG.write(b, to: dir + "/b.png")
        try PNG.write(c, to: dir + "/c.PNG")
        try PNG.write(a, to: dir + "/a.png")
        try DataTestKit.write(Array("not an image".utf8), dir + "/notes.txt")
        let data = try ImageDataset.load(path: dir)
        XCTAssertEqual([data.count, data.channels, data.height, data.width], [3, 3, 3, 4])
        XCTAssertEqual(Array(data.image(0)), a.pixels + a.pixels + a.pixels)  // gray replicated to R, G and B
        XCTAssertEqual(Array(data.image(1)), b.planar)
        XCTAssertEqual(Array(data.image(2)), c.planar)
        XCTAssertEqual(RGBImage(planar: data.image(2), channels: 3, height: 3, width: 4), c)
    }

    func testAllGrayStaysOneChannel() throws {
        try PNG.write(image(1, 1), to: dir + "/x1.png")
        try PNG.write(image(1, 2), to: dir + "/x2.png")
        XCTAssertEqual(try ImageDataset.loadPNGFolder(directory: dir).channels, 1)
    }

    func testErrors() throws {
        DataTestKit.assertError([dir, "no .png images"]) { try ImageDataset.loadPNGFolder(directory: dir) }
        DataTestKit.assertError([dir + "/nowhere", "no such file or directory"]) { try ImageDataset.load(path: dir + "/nowhere") }
        try PNG.write(image(1, 1), to: dir + "/a.png")
        try PNG.write(image(1, 1, width: 5), to: dir + "/b.png")
        DataTestKit.assertError([dir + "/b.png", "3x5 (rows x cols)", "same size"]) { try ImageDataset.load(path: dir) }
        try DataTestKit.write([1, 2, 3], dir + "/b.png")
        DataTestKit.assertError([dir + "/b.png", "not a PNG"]) { try ImageDataset.load(path: dir) }
        try DataTestKit.write([1, 2, 3, 4, 5], dir + "/data.xyz")
        DataTestKit.assertError([dir + "/data.xyz", "unrecognised dataset format"]) { try ImageDataset.load(path: dir + "/data.xyz") }
    }
}
