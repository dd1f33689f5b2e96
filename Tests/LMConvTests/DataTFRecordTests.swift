import LMConv
import XCTest

final class DataTFRecordTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try DataTestKit.makeDirectory() }
    override func tearDown() { DataTestKit.removeDirectory(dir) }

    /// An image the way glow's exporter writes one: shape [H, W, C], raw (H, W, C) bytes, a label.
    static func glowExample(_ image: RGBImage, label: Int64) -> [UInt8] {
        TFExample(features: [
            "shape": .int64s([Int64(image.height), Int64(image.width), Int64(image.channels)]),
            "data": .bytes([image.pixels]), "label": .int64s([label]), "attr": .int64s(Array(repeating: -1, count: 40)),
        ]).serialized()
    }

    static func image(_ seed: Int, size: Int = 8, channels: Int = 3) -> RGBImage {
        var rng = Xoshiro256(seed: UInt64(seed))
        return RGBImage(width: size, height: size, channels: channels,
                        pixels: (0..<(size * size * channels)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }

    func testFramingByHand() throws {
        // A record is: length (8 bytes LE), masked CRC of those bytes, data, masked CRC of the data.
        let framed = TFRecord.frame([1, 2, 3])
        XCTAssertEqual(framed.count, 3 + 16)
        XCTAssertEqual(Array(framed[0..<8]), [3, 0, 0, 0, 0, 0, 0, 0])
        func u32(_ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(framed[i + $1]) << (8 * $1) } }
        XCTAssertEqual(u32(8), CRC32C.masked(CRC32C.checksum([3, 0, 0, 0, 0, 0, 0, 0])))
        XCTAssertEqual(Array(framed[12..<15]), [1, 2, 3])
        XCTAssertEqual(u32(15), CRC32C.masked(CRC32C.checksum([1, 2, 3])))
        let two = framed + TFRecord.frame([])
        XCTAssertEqual(try TFRecord.records(in: two, source: "x").map(Array.init), [[1, 2, 3], []])
    }

    /// A corrupted length or data byte and a cut file each give one line naming the file and the record index.
    func testCorruptAndTruncatedRecords() throws {
        let path = dir + "/three.tfrecords"
        let records = (0..<3).map { Self.glowExample(Self.image($0), label: Int64($0)) }
        let good = records.flatMap { TFRecord.frame($0) }
        let second = TFRecord.frame(records[0]).count
        var badData = good
        badData[second + 12 + 40] ^= 0x01
        try DataTestKit.write(badData, path)
        DataTestKit.assertError([path, "record index 1", "data CRC mismatch"]) { try ImageDataset.load(path: path) }
        var badLength = good
        badLength[second + 1] ^= 0x80
        try DataTestKit.write(badLength, path)
        DataTestKit.assertError([path, "record index 1", "length CRC mismatch"]) { try ImageDataset.load(path: path) }
        var badCRC = good
        badCRC[second - 1] ^= 0xFF   // the stored data CRC of record 0
        try DataTestKit.write(badCRC, path)
        DataTestKit.assertError([path, "record index 0", "data CRC mismatch"]) { try ImageDataset.load(path: path) }
        try DataTestKit.write(Array(good.dropLast(5)), path)
        DataTestKit.assertError([path, "record index 2", "truncated"]) { try ImageDataset.load(path: path) }
        try DataTestKit.write(Array(good.prefix(2 * second + 7)), path)
        DataTestKit.assertError([path, "record index 2", "truncated header"]) { try ImageDataset.load(path: path) }
        try DataTestKit.write(good, path)
        XCTAssertEqual(try ImageDataset.load(path: path).count, 3)
    }

    func testBadExamples() throws {
        let path = dir + "/bad.tfrecords"
        let image = Self.image(1)
        let wrongShape = TFExample(features: ["shape": .int64s([8, 8, 2]), "data": .bytes([image.pixels])])
        let wrongSize = TFExample(features: ["shape": .int64s([8, 9, 3]), "data": .bytes([image.pixels])])
        let noData = TFExample(features: ["shape": .int64s([8, 8, 3])])
        for (example, words) in [(wrongShape, "1 or 3 channels"), (wrongSize, "needs 216"), (noData, "no 'data'")] {
            try TFRecord.write([Self.glowExample(image, label: 0), example.serialized()], to: path)
            DataTestKit.assertError([path, "record index 1", words]) { try ImageDataset.load(path: path) }
        }
        try TFRecord.write([Self.glowExample(image, label: 0), [0x0A, 0x7F]], to: path)
        DataTestKit.assertError([path, "record index 1", "not a valid tf.train.Example"]) { try ImageDataset.load(path: path) }
        try TFRecord.write([Self.glowExample(image, label: 0), Self.glowExample(Self.image(2, size: 4), label: 0)], to: path)
        DataTestKit.assertError([path, "record index 1", "4x4", "same size"]) { try ImageDataset.load(path: path) }
    }

    /// A folder of glow's shards: the highest resolution is read, shards in name order, labels kept; a preparation
    /// (here 4x4 by area, 5 bits) is applied to every image.
    func testGlowFolderWithPreparation() throws {
        let images = (0..<5).map { Self.image(10 + $0) }
        try TFRecord.write([0, 1, 2].map { Self.glowExample(images[$0], label: Int64($0)) },
                           to: dir + "/train-r03-s-0000-of-0002.tfrecords")
        try TFRecord.write([3, 4].map { Self.glowExample(images[$0], label: Int64($0)) },
                           to: dir + "/train-r03-s-0001-of-0002.tfrecords")
        try TFRecord.write([Self.glowExample(Self.image(99, size: 4), label: 9)], to: dir + "/train-r02-s-0000-of-0001.tfrecords")

        let data = try ImageDataset.load(path: dir)
        XCTAssertEqual([data.count, data.channels, data.height, data.width], [5, 3, 8, 8])
        XCTAssertEqual(data.labels, [0, 1, 2, 3, 4])
        for i in 0..<5 { XCTAssertEqual(Array(data.image(i)), images[i].planar) }

        let prepared = try ImageDataset.load(source: dir + "@4,bits5", split: .train)
        let preparation = DatasetPreparation(size: ImageSize(height: 4, width: 4), nBits: 5)
        XCTAssertEqual(prepared, preparation.apply(to: data))
        XCTAssertEqual([prepared.count, prepared.channels, prepared.height, prepared.width], [5, 3, 4, 4])
        let levels = Set((0..<32).map { DatasetPreparation.reducedPixel(UInt8($0 * 8), nBits: 5) })
        XCTAssertTrue(prepared.pixels.allSatisfy(levels.contains))
        // Each prepared pixel is the 5-bit reduction of the 2x2 block mean.
        let p = images[2].planar
        let blockMean = (Int(p[0]) + Int(p[1]) + Int(p[8]) + Int(p[9]) + 2) / 4
        XCTAssertEqual(prepared.image(2).first, DatasetPreparation.reducedPixel(UInt8(blockMean), nBits: 5))

        try FileManager.default.removeItem(atPath: dir + "/train-r03-s-0001-of-0002.tfrecords")
        DataTestKit.assertError([dir, "1 of the 2 shards", "train-r03-s-0001-of-0002.tfrecords"]) {
            try ImageDataset.load(path: dir)
        }
    }

    /// glow's layout: celeba-tfr/{train,validation}/<split>-r08-s-*-of-*.tfrecords, here with 16x16 images.
    func testCelebAHQLayout() throws {
        let root = dir + "/celeba-tfr"
        for (split, count) in [("train", 3), ("validation", 2)] {
            try FileManager.default.createDirectory(atPath: root + "/" + split, withIntermediateDirectories: true)
            try TFRecord.write((0..<count).map { Self.glowExample(Self.image(count * 10 + $0, size: 16), label: 0) },
                               to: root + "/\(split)/\(split)-r04-s-0000-of-0001.tfrecords")
        }
        let small = DatasetPreparation(size: ImageSize(height: 4, width: 4), nBits: 5)
        let train = try ImageDataset.celebAHQ(directory: root, split: .train, preparation: small)
        let test = try ImageDataset.celebAHQ(directory: root, split: .test, preparation: small)
        XCTAssertEqual([train.count, test.count, train.channels, train.height], [3, 2, 3, 4])
        XCTAssertEqual(test, try ImageDataset.load(source: root + "/validation@4x4,bits5", split: .test))
        let full = try ImageDataset.celebAHQ(directory: root, split: .train)
        XCTAssertEqual([full.height, full.width], [64, 64])   // the paper's preparation, enlarged here
        XCTAssertEqual(ImageDataset.celebAHQPreparation.description, "64x64,bits5")
    }

    func testFolderOfOtherNamesAndSingleFile() throws {
        try TFRecord.write([Self.glowExample(Self.image(1, channels: 1), label: 3)], to: dir + "/b.tfrecord")
        try TFRecord.write([Self.glowExample(Self.image(2, channels: 3), label: 4)], to: dir + "/a.tfrecords")
        let data = try ImageDataset.load(path: dir)
        XCTAssertEqual([data.count, data.channels], [2, 3])   // the gray image is copied to RGB
        XCTAssertEqual(data.labels, [4, 3])
        let gray = Self.image(1, channels: 1).pixels
        XCTAssertEqual(Array(data.image(1)), gray + gray + gray)
        XCTAssertEqual(try ImageDataset.load(path: dir + "/b.tfrecord").channels, 1)
        try DataTestKit.write([], dir + "/empty.tfrecords")
        DataTestKit.assertError([dir + "/empty.tfrecords", "no records"]) { try ImageDataset.load(path: dir + "/empty.tfrecords") }
    }
}
