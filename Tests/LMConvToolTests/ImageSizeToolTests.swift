import Foundation
import LMConv
import TestSupport
import XCTest

/// Models fit any image size (the network is convolutional), and results do not depend on `--threads`.
final class ImageSizeToolTests: XCTestCase {
    nonisolated(unsafe) static var shared: (directory: String, train: String, checkpoint: String)?

    override class func setUp() {
        super.setUp()
        do {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmconv-size-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let train = dir + "/train-images-idx3-ubyte"
            try Data(ToolTests.idxImages(count: 24, height: 8, width: 8, seed: 1)).write(to: URL(fileURLWithPath: train))
            let run = dir + "/run"
            let result = try runLMConv(["train", "--data", train, "--steps", "2", "--output", run] + ToolTests.tinyModel)
            guard result.status == 0 else { fatalError("training the checkpoint failed: \(result.stderr)") }
            shared = (dir, train, run + "/last.safetensors")
        } catch {
            fatalError("setting up the image-size tests failed: \(error)")
        }
    }

    override class func tearDown() {
        if let dir = shared?.directory { try? FileManager.default.removeItem(atPath: dir) }
        super.tearDown()
    }

    var dir: String { Self.shared!.directory }
    var checkpoint: String { Self.shared!.checkpoint }

    func write(_ name: String, height: Int, width: Int, count: Int = 4, seed: UInt64 = 9) throws -> String {
        let path = dir + "/" + name
        try Data(ToolTests.idxImages(count: count, height: height, width: width, seed: seed))
            .write(to: URL(fileURLWithPath: path))
        return path
    }

    /// An 8x8 model evaluates 12x12 images (and a 28x28 reference checkpoint 20x24, 3x3 and 2x2 images) at their
    /// size, with the numbers the library gives for the same images, orders and masks.
    func testEvaluateAtTheDataSize() throws {
        let cases = [(checkpoint, 12, 12), (fixturePath("binary-28/checkpoint.pth"), 20, 24),
                     (fixturePath("binary-28/checkpoint.pth"), 3, 3), (fixturePath("binary-28/checkpoint.pth"), 2, 2)]
        for (model, height, width) in cases {
            let data = try write("d\(height)x\(width)-idx3-ubyte", height: height, width: width)
            let r = try runLMConv(["evaluate", "--checkpoint", model, "--data", data, "--json", "--per-image",
                                   "--binarize-threshold", "128"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let json = try parseJSON(r.stdout)
            XCTAssertEqual(json["dimensions"] as? Int, height * width)
            let got = try XCTUnwrap(json["per_image_nll_nats"] as? [Double])
            // The same through the library.
            let loaded = try Checkpoint.load(contentsOf: URL(fileURLWithPath: model))
            let library = try loaded.makeModel()
            let images = try ImageDataset.load(path: data)
            let orders = try loaded.orders.orders(height: height, width: width)
            let expected = try library.evaluate(images, orders: orders, encoding: .threshold(128)).perImageNLL
            XCTAssertEqual(got.count, 4)
            for (a, e) in zip(got, expected) { XCTAssertEqual(a, e, accuracy: 1e-6 * max(1, abs(e)), "\(height)x\(width)") }
        }
    }

    func testSampleAndCompleteAtOtherSizes() throws {
        let out = dir + "/samples-10x12.png"
        var r = try runLMConv(["sample", "--checkpoint", checkpoint, "--count", "1", "--size", "10x12", "--scale", "1",
                               "--output", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        var image = try PNG.read(contentsOf: out)
        XCTAssertEqual([image.width, image.height], [12, 10])
        r = try runLMConv(["sample", "--checkpoint", checkpoint, "--count", "1", "--size", "10by12",
                           "--output", dir + "/bad.png"])
        assertFailure(r, mentions: ["--size", "10by12"], noOutput: dir + "/bad.png")
        let data = try write("c12x12-idx3-ubyte", height: 12, width: 12)
        let completion = dir + "/complete-12x12.png"
        r = try runLMConv(["complete", "--checkpoint", checkpoint, "--data", data, "--count", "1", "--samples", "1",
                           "--hide", "bottom", "--scale", "1", "--output", completion])
        XCTAssertEqual(r.status, 0, r.stderr)
        image = try PNG.read(contentsOf: completion)
        XCTAssertGreaterThan(image.width, 12)   // the masked input, one completion and the original, side by side
        XCTAssertGreaterThanOrEqual(image.height, 12)
    }

    /// Images with other channels than the model's, and training resumed on images of another size, are refused.
    func testImagesThatDoNotFitTheCheckpoint() throws {
        let rgb = dir + "/rgb.npy"
        try NPYTestFile.uint8(shape: [2, 3, 8, 8]).write(to: URL(fileURLWithPath: rgb))
        var r = try runLMConv(["evaluate", "--checkpoint", checkpoint, "--data", rgb])
        assertFailure(r, mentions: [rgb, checkpoint, "3 channels"])
        r = try runLMConv(["complete", "--checkpoint", checkpoint, "--data", rgb, "--hide", "top",
                           "--output", dir + "/c.png"])
        assertFailure(r, mentions: [rgb], noOutput: dir + "/c.png")
        let other = try write("big-images-idx3-ubyte", height: 12, width: 12)
        r = try runLMConv(["train", "--resume", "--data", other, "--steps", "4", "--output", dir + "/run"])
        assertFailure(r, mentions: [other])
    }

    /// `--threads 1` and `--threads 2` write the same samples and the same numbers.
    func testResultsDoNotDependOnTheThreadCount() throws {
        var outputs: [Data] = [], evaluations: [String] = []
        let data = try write("t-idx3-ubyte", height: 8, width: 8, count: 10)
        for threads in ["1", "2"] {
            let out = dir + "/threads-\(threads).png"
            var r = try runLMConv(["sample", "--checkpoint", checkpoint, "--count", "9", "--seed", "3",
                                   "--threads", threads, "--output", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: out)))
            r = try runLMConv(["evaluate", "--checkpoint", checkpoint, "--data", data, "--json", "--per-image",
                               "--threads", threads])
            XCTAssertEqual(r.status, 0, r.stderr)
            evaluations.append(r.stdout)
        }
        XCTAssertEqual(outputs[0], outputs[1])
        XCTAssertEqual(evaluations[0], evaluations[1])
        let r = try runLMConv(["sample", "--checkpoint", checkpoint, "--count", "1", "--threads", "0",
                               "--output", dir + "/t0.png"])
        assertFailure(r, mentions: ["--threads"], noOutput: dir + "/t0.png")
    }

    func fixturePath(_ name: String) -> String { fixturesDirectory.appendingPathComponent(name).path }
}

/// A tiny .npy file of uint8 values.
enum NPYTestFile {
    static func uint8(shape: [Int]) -> Data {
        let dims = shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(dims)), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
        bytes += Array(header.utf8)
        bytes += (0..<shape.reduce(1, *)).map { UInt8($0 % 251) }
        return Data(bytes)
    }
}
