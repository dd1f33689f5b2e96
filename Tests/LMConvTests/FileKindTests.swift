import Foundation
import LMConv
import XCTest

/// File kinds by magic number, and the loaders that dispatch on them.
final class FileKindTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try DataTestKit.makeDirectory() }
    override func tearDown() { DataTestKit.removeDirectory(dir) }

    func kind(_ head: [UInt8], name: String = "file", size: Int? = nil) -> FileKind {
        FileKind.detect(head: head, name: name, size: size ?? head.count)
    }

    func testMagicNumbers() {
        XCTAssertEqual(kind([0x1F, 0x8B, 8, 0]), .gzip)
        XCTAssertEqual(kind([0, 0, 8, 3, 0, 0, 0, 1]), .idx)
        XCTAssertEqual(kind([0, 0, 8, 1]), .idx)
        XCTAssertEqual(kind([0, 0, 8, 5]), .unknown)           // 5 dimensions: not an image or label file
        XCTAssertEqual(kind([0, 0, 9, 3]), .unknown)           // signed bytes
        XCTAssertEqual(kind(FileKind.npyMagic + [1, 0]), .npy)
        XCTAssertEqual(kind(PNG.signature + [0, 0, 0, 13]), .png)
        XCTAssertEqual(kind([0xFF, 0xD8, 0xFF, 0xE0]), .jpeg)
        XCTAssertEqual(kind(Array("PK".utf8) + [3, 4]), .zipArchive)
        XCTAssertEqual(kind([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9]), .pickleStream)
        XCTAssertEqual(kind([]), .unknown)
        XCTAssertEqual(kind([1, 2, 3]), .unknown)
    }

    func testSafetensorsHeaderLengthMustFit() {
        let header = [UInt8](repeating: 0, count: 8)
        var head = header
        head[0] = 16
        XCTAssertEqual(kind(head + Array("{".utf8), size: 8 + 16), .safetensors)
        XCTAssertEqual(kind(head + Array("{".utf8), size: 8 + 15), .unknown)      // truncated: left to its reader
        XCTAssertEqual(kind(head + Array("[".utf8), size: 8 + 16), .unknown)
        // A header length whose first byte is 0x80 (pickle's PROTO) is still safetensors.
        head[0] = 0x80
        XCTAssertEqual(kind(head + Array("{".utf8), size: 8 + 128), .safetensors)
    }

    func testCIFARBatchesByNameOrSize() {
        XCTAssertEqual(kind([1, 2, 3], name: "data_batch_1.bin", size: 5), .cifarBatch)
        XCTAssertEqual(kind([1, 2, 3], name: "x.BIN", size: 5), .cifarBatch)
        XCTAssertEqual(kind([1, 2, 3], name: "records", size: 2 * FileKind.cifarRecordSize), .cifarBatch)
        XCTAssertEqual(kind([1, 2, 3], name: "records", size: 2 * FileKind.cifarRecordSize + 1), .unknown)
    }

    func testFoldersAndMissingPaths() throws {
        XCTAssertEqual(try FileKind.at(path: dir), .folder)
        try DataTestKit.write(PNG.encode(RGBImage(width: 1, height: 1, channels: 1, pixels: [5])), dir + "/a.png")
        XCTAssertEqual(try FileKind.at(path: dir + "/a.png"), .png)
        DataTestKit.assertError([dir + "/missing", "no such file"]) { try FileKind.at(path: self.dir + "/missing") }
    }

    /// A CIFAR-10 batch without the `.bin` name loads by its size; a damaged JPEG and a checkpoint say what they are.
    func testDatasetLoadingDispatch() throws {
        let records = (0..<2).flatMap { r in [UInt8(r)] + (0..<3072).map { UInt8(truncatingIfNeeded: $0 + r) } }
        try DataTestKit.write(records, dir + "/cifar-records")
        let data = try ImageDataset.load(path: dir + "/cifar-records")
        XCTAssertEqual([data.count, data.channels, data.height, data.width], [2, 3, 32, 32])
        XCTAssertEqual(data.labels, [0, 1])
        try DataTestKit.write([0xFF, 0xD8, 0xFF, 0xE0, 0, 0], dir + "/photo.jpg")
        DataTestKit.assertError([dir + "/photo.jpg", "JPEG", "truncated"]) { try ImageDataset.load(path: self.dir + "/photo.jpg") }
        try SafetensorsFile(tensors: ["w": SafetensorsTensor(shape: [1], floats: [1])]).write(to: URL(fileURLWithPath: dir + "/w.st"))
        DataTestKit.assertError([dir + "/w.st", "safetensors", "not a dataset"]) { try ImageDataset.load(path: self.dir + "/w.st") }
    }

    /// A checkpoint whose safetensors header length starts with the byte 0x80 loads as safetensors (it used to be
    /// taken for a legacy PyTorch pickle); a PNG given as a checkpoint says what it is.
    func testCheckpointLoadingDispatch() throws {
        let model = try LocallyMaskedPixelCNN(configuration: ModelConfiguration(height: 4, width: 4, binarize: true,
                                                                                 filters: 4, resnets: 0))
        let url = URL(fileURLWithPath: dir + "/model.safetensors")
        try Checkpoint(configuration: model.configuration, orders: OrderSpecification(), weights: model.namedWeights())
            .write(to: url)
        var file = try SafetensorsFile.read(contentsOf: url)
        for padding in 0..<300 where file.serialized()[0] != 0x80 {
            file.metadata["padding"] = String(repeating: "x", count: padding)
        }
        XCTAssertEqual(file.serialized()[0], 0x80)
        try file.write(to: url)
        XCTAssertEqual(try FileKind.at(path: url.path), .safetensors)
        XCTAssertEqual(try Checkpoint.load(contentsOf: url).weights, model.namedWeights())

        try DataTestKit.write(PNG.encode(RGBImage(width: 1, height: 1, channels: 1, pixels: [5])), dir + "/a.png")
        DataTestKit.assertError([dir + "/a.png", "a PNG image, not a checkpoint"]) {
            try Checkpoint.load(contentsOf: URL(fileURLWithPath: self.dir + "/a.png"))
        }
    }
}
