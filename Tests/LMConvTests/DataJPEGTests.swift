import LMConv
import XCTest

final class DataJPEGTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try DataTestKit.makeDirectory() }
    override func tearDown() { DataTestKit.removeDirectory(dir) }

    /// A smooth image (JPEG's errors stay small on it): channel c at (y, x) is 40 + 8y + 5x + 30c, capped.
    static func smooth(width: Int, height: Int, channels: Int) -> RGBImage {
        var pixels = [UInt8]()
        for y in 0..<height { for x in 0..<width { for c in 0..<channels {
            pixels.append(UInt8(min(255, 40 + 8 * y + 5 * x + 30 * c)))
        } } }
        return RGBImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }

    func testRoundTripsGrayAndRGB() throws {
        for channels in [1, 3] {
            let image = Self.smooth(width: 24, height: 16, channels: channels)
            let file = try JPEG.encode(image, quality: 100)
            XCTAssertTrue(JPEG.isJPEG(file))
            let decoded = try JPEG.decode(file, source: "mem")
            XCTAssertEqual([decoded.width, decoded.height, decoded.channels], [24, 16, channels])
            XCTAssertLessThanOrEqual(maxDifference(decoded.pixels, image.pixels), 3, "channels \(channels)")
            // Lower quality and 4:2:0 still decode to the right shape, with larger but bounded errors.
            let small = try JPEG.decode(JPEG.encode(image, quality: 50, subsampleChroma: true), source: "mem")
            XCTAssertEqual([small.width, small.height, small.channels], [24, 16, channels])
            XCTAssertLessThanOrEqual(maxDifference(small.pixels, image.pixels), 40)
        }
    }

    func testCorruptTruncatedAndForeignFiles() throws {
        let file = try JPEG.encode(Self.smooth(width: 32, height: 32, channels: 3), quality: 90)
        let truncated = dir + "/truncated.jpg"
        try DataTestKit.write(Array(file.prefix(file.count / 2)), truncated)
        DataTestKit.assertError([truncated, "corrupt or truncated JPEG", "libjpeg"]) { try ImageDataset.load(path: truncated) }
        let headerOnly = dir + "/header.jpg"
        try DataTestKit.write(Array(file.prefix(40)), headerOnly)
        DataTestKit.assertError([headerOnly, "corrupt or truncated JPEG"]) { try JPEG.read(contentsOf: headerOnly) }
        // Garbage in the entropy-coded data (after the headers, before the end marker).
        var garbled = file
        for i in stride(from: file.count - 200, to: file.count - 20, by: 3) { garbled[i] = 0xFF }
        let corrupt = dir + "/corrupt.jpeg"
        try DataTestKit.write(garbled, corrupt)
        DataTestKit.assertError([corrupt, "corrupt or truncated JPEG"]) { try JPEG.read(contentsOf: corrupt) }
        let foreign = dir + "/text.jpg"
        try DataTestKit.write(Array("hello".utf8), foreign)
        DataTestKit.assertError([foreign, "not a JPEG"]) { try JPEG.read(contentsOf: foreign) }
        // In a folder, the bad file is named.
        let folder = dir + "/photos"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try DataTestKit.write(file, folder + "/a.jpg")
        try DataTestKit.write(Array(file.prefix(file.count - 30)), folder + "/b.jpg")
        DataTestKit.assertError([folder + "/b.jpg", "corrupt or truncated JPEG"]) { try ImageDataset.load(path: folder) }
    }

    /// A folder of JPEG photos and PNGs of different sizes and kinds becomes one dataset: each image is decoded,
    /// centre-cropped to the target's aspect ratio and resized, then converted, exactly as `prepare` does alone.
    func testMixedFolderWithPreparation() throws {
        let wide = Self.smooth(width: 40, height: 24, channels: 3)
        let tall = Self.smooth(width: 20, height: 30, channels: 1)
        let png = RGBImage(width: 16, height: 16, channels: 3, pixels: (0..<768).map { UInt8($0 % 251) })
        try JPEG.write(wide, to: dir + "/1-wide.jpg", quality: 95)
        try DataTestKit.write(JPEG.encode(tall, quality: 95), dir + "/2-tall.JPEG")
        try PNG.write(png, to: dir + "/3-square.png")
        try DataTestKit.write(Array("notes".utf8), dir + "/readme.txt")

        DataTestKit.assertError([dir + "/2-tall.JPEG", "30x20", "same size", "@64x64"]) { try ImageDataset.load(path: dir) }

        let target = ImageSize(height: 8, width: 8)
        for channels in [1, 3] {
            let preparation = DatasetPreparation(size: target, channels: channels)
            let data = try ImageDataset.loadImageFolder(directory: dir, preparation: preparation)
            XCTAssertEqual([data.count, data.channels, data.height, data.width], [3, channels, 8, 8])
            XCTAssertNil(data.labels)
            let decoded = [try JPEG.read(contentsOf: dir + "/1-wide.jpg"), try JPEG.read(contentsOf: dir + "/2-tall.JPEG"), png]
            for (i, image) in decoded.enumerated() {
                let expected = preparation.prepare(planar: image.planar, channels: image.channels,
                                                   size: ImageSize(height: image.height, width: image.width))
                XCTAssertEqual(Array(data.image(i)), expected.pixels, "image \(i), channels \(channels)")
            }
            let text = "\(dir)@8x8,\(channels == 1 ? "gray" : "rgb")"
            XCTAssertEqual(try ImageDataset.load(source: text, split: .test), data)
        }
        // Without channels, the gray JPEG is copied to RGB beside the colour images.
        let auto = try ImageDataset.load(source: dir + "@8", split: .train)
        XCTAssertEqual(auto.channels, 3)
        let tallPlane = Array(auto.image(1).prefix(64))
        XCTAssertEqual(Array(auto.image(1)), tallPlane + tallPlane + tallPlane)
    }

    /// The centre crop: the wide 40x24 image keeps columns 0 + 8 ..< 32 when made square, so an 8x8 area resize of
    /// it equals a 3x area resize of that 24x24 region.
    func testCentreCropRegion() throws {
        XCTAssertTrue(DatasetPreparation.centreCrop(ImageSize(height: 24, width: 40), aspectOf: ImageSize(height: 8, width: 8))
                      == (3 - 3, 8, ImageSize(height: 24, width: 24)))
        XCTAssertTrue(DatasetPreparation.centreCrop(ImageSize(height: 30, width: 20), aspectOf: ImageSize(height: 1, width: 1))
                      == (5, 0, ImageSize(height: 20, width: 20)))
        XCTAssertTrue(DatasetPreparation.centreCrop(ImageSize(height: 10, width: 10), aspectOf: ImageSize(height: 2, width: 4))
                      == (2, 0, ImageSize(height: 5, width: 10)))
        let image = Self.smooth(width: 40, height: 24, channels: 1)
        let region = (0..<24).flatMap { y in image.pixels[(y * 40 + 8)..<(y * 40 + 32)] }
        let prepared = DatasetPreparation(size: ImageSize(height: 8, width: 8))
            .prepare(planar: image.planar, channels: 1, size: ImageSize(height: 24, width: 40))
        XCTAssertEqual(prepared.pixels, ImageResampling.resize(region, planes: 1, from: ImageSize(height: 24, width: 24),
                                                                to: ImageSize(height: 8, width: 8), method: .area))
    }
}
