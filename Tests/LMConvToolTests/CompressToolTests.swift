import Foundation
import LMConv
import TestSupport
import XCTest

/// End-to-end tests of `lmconv compress` and `decompress` with tiny models trained here: exact round trips of PNG
/// files (names kept), IDX and .npy; output independent of threads and batch size; the default models; one-line
/// refusals that leave nothing behind.
final class CompressToolTests: XCTestCase {
    nonisolated(unsafe) static var shared: (directory: String, gray: String, binary: String, idx: String)?

    override class func setUp() {
        super.setUp()
        do {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmconv-compress-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let idx = dir + "/blobs-idx3-ubyte"
            try Data(ToolTests.idxImages(count: 12, height: 8, width: 8, seed: 5)).write(to: URL(fileURLWithPath: idx))
            let tiny = ["--filters", "4", "--resnets", "1", "--batch-size", "6", "--steps", "3", "--data", idx, "--ema", "0.9"]
            for (name, extra) in [("gray", ["--mixtures", "2"]), ("binary", ["--binarize"])] {
                let r = try runLMConv(["train", "--output", dir + "/" + name] + tiny + extra)
                guard r.status == 0 else { fatalError("training \(name) failed: \(r.stderr)") }
            }
            shared = (dir, dir + "/gray/last.safetensors", dir + "/binary/last.safetensors", idx)
        } catch {
            fatalError("setting up the compress tool tests failed: \(error)")
        }
    }

    override class func tearDown() {
        if let dir = shared?.directory { try? FileManager.default.removeItem(atPath: dir) }
        super.tearDown()
    }

    var s: (directory: String, gray: String, binary: String, idx: String) { Self.shared! }

    func folder(_ name: String) throws -> String {
        let path = s.directory + "/" + name + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ToolResult {
        let r = try runLMConv(arguments, environment: environment)
        XCTAssertEqual(r.status, 0, "lmconv \(arguments.joined(separator: " ")): \(r.stderr)")
        return r
    }

    /// PNG files of two sizes' worth: gray 9x7 images (another size than the model's 8x8) keep their pixels and names.
    func testPNGFilesRoundTripWithTheirNames() throws {
        let inputs = try folder("pngs")
        var rng = Xoshiro256(seed: 2)
        var originals: [String: [UInt8]] = [:]
        for name in ["zeta.png", "alpha.png", "mid dle.png"] {
            let pixels = (0..<63).map { _ in UInt8(rng.next() >> 56) }
            try PNG.write(RGBImage(width: 7, height: 9, channels: 1, pixels: pixels), to: inputs + "/" + name)
            originals[name] = pixels
        }
        let lmc = s.directory + "/pngs-\(UUID().uuidString).lmc"
        let r = try run(["compress", inputs + "/zeta.png", inputs + "/alpha.png", inputs + "/mid dle.png",
                         "--model", s.gray, "--output", lmc, "--verify", "--orders", "2"])
        XCTAssertTrue(r.stdout.contains("3 images of 1x9x7"), r.stdout)
        let out = try folder("decoded")
        _ = try run(["decompress", lmc, "--model", s.gray, "--output", out])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), ["alpha.png", "mid dle.png", "zeta.png"])
        for (name, pixels) in originals {
            XCTAssertEqual(try PNG.read(contentsOf: out + "/" + name).pixels, pixels, name)
        }
        // The file's image order is the inputs' order.
        XCTAssertEqual(try LMCFile.read(path: lmc).images.map(\.name), ["zeta.png", "alpha.png", "mid dle.png"])
    }

    /// IDX in, IDX and .npy out, byte for byte; the .lmc bytes do not depend on --batch-size or --threads, and the
    /// decoded images not on --threads (each run a fresh process).
    func testIDXAndNPYRoundTripIndependentOfBatchAndThreads() throws {
        var files: [[UInt8]] = []
        for (batch, threads) in [("1", "1"), ("5", "2"), ("16", "2")] {
            let lmc = s.directory + "/idx-\(batch)-\(threads)-\(UUID().uuidString).lmc"
            _ = try run(["compress", s.idx, "--model", s.gray, "--output", lmc, "--batch-size", batch, "--threads", threads])
            files.append(try DataFile.read(lmc))
            let out = try folder("idx")
            _ = try run(["decompress", lmc, "--model", s.gray, "--output", out, "--format", "idx", "--threads", threads,
                         "--batch-size", batch])
            XCTAssertEqual(try DataFile.read(out + "/images-idx3-ubyte"), try DataFile.read(s.idx))
            _ = try run(["decompress", lmc, "--model", s.gray, "--output", out, "--format", "npy"])
            let npy = try ImageDataset.load(path: out + "/images.npy"), idx = try ImageDataset.load(path: s.idx)
            XCTAssertEqual(npy.pixels, idx.pixels)
            XCTAssertEqual(npy.count, 12)
        }
        XCTAssertEqual(files[0], files[1])
        XCTAssertEqual(files[0], files[2])
        // Streams of 5 images (12 images: groups of 5, 5 and 2) decoded in batches of 2 (rounded up to whole groups).
        let lmc = s.directory + "/idx-groups-\(UUID().uuidString).lmc"
        _ = try run(["compress", s.idx, "--model", s.gray, "--output", lmc, "--images-per-stream", "5", "--batch-size", "3"])
        XCTAssertEqual(try LMCFile.read(path: lmc).streams.count, 3)
        let out = try folder("idx-groups")
        _ = try run(["decompress", lmc, "--model", s.gray, "--output", out, "--format", "idx", "--batch-size", "2"])
        XCTAssertEqual(try DataFile.read(out + "/images-idx3-ubyte"), try DataFile.read(s.idx))
        let refused = try runLMConv(["compress", s.idx, "--model", s.gray, "--output", lmc + "x", "--images-per-stream", "0"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--images-per-stream must be 1 to 4096, got 0"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lmc + "x"))
    }

    /// --json reports sizes that add up, and trying more orders never costs more information.
    func testJSONReportAndOrders() throws {
        func report(_ orders: Int) throws -> [String: Any] {
            let lmc = s.directory + "/json-\(orders)-\(UUID().uuidString).lmc"
            let r = try run(["compress", s.idx, "--model", s.gray, "--output", lmc, "--orders", "\(orders)", "--json"])
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            XCTAssertEqual(json["file_bytes"] as? Int, try DataFile.read(lmc).count)
            return json
        }
        let one = try report(1), four = try report(4)
        let information = { (json: [String: Any]) in json["information_bits_per_pixel"] as! Double }
        XCTAssertLessThanOrEqual(information(four), information(one))
        XCTAssertEqual((four["chosen_orders"] as! [Int]).count, 12)
        XCTAssertEqual(four["single_order_bits_per_pixel"] as! Double, information(one), accuracy: 1e-12)
        XCTAssertEqual(one["streams"] as? Int, 1)   // 12 images of one order: one stream
        let bpp = one["coded_bits_per_pixel"] as! Double, ideal = information(one)
        XCTAssertGreaterThanOrEqual(bpp, ideal)
        XCTAssertLessThanOrEqual(bpp, ideal + 12 * 8 / (12 * 64.0))   // at most 12 bytes above the ideal per stream
    }

    /// Without --model: 0/255 images take the binary model, others the gray one; decompress finds the model by the
    /// file's fingerprint.
    func testDefaultModelsChosenFromTheImagesAndTheFingerprint() throws {
        let models = try folder("models")
        try FileManager.default.copyItem(atPath: s.gray, toPath: models + "/fmnist-gray8.safetensors")
        try FileManager.default.copyItem(atPath: s.binary, toPath: models + "/fmnist-binary.safetensors")
        let environment = ["LMCONV_CODEC_MODELS": models]
        let inputs = try folder("default")
        try PNG.write(RGBImage(width: 4, height: 3, channels: 1, pixels: [0, 255, 255, 0, 0, 0, 255, 255, 0, 255, 0, 0]),
                      to: inputs + "/scan.png")
        try PNG.write(RGBImage(width: 4, height: 3, channels: 1, pixels: [0, 25, 255, 0, 0, 0, 255, 255, 0, 255, 0, 7]),
                      to: inputs + "/photo.png")
        for (name, model) in [("scan", "fmnist-binary"), ("photo", "fmnist-gray8")] {
            let lmc = inputs + "/\(name).lmc"
            let r = try run(["compress", inputs + "/\(name).png", "--output", lmc], environment: environment)
            XCTAssertTrue(r.stdout.contains(model), r.stdout)
            let out = try folder("default-out")
            _ = try run(["decompress", lmc, "--output", out], environment: environment)
            XCTAssertEqual(try PNG.read(contentsOf: out + "/\(name).png"), try PNG.read(contentsOf: inputs + "/\(name).png"))
        }
        let missing = try runLMConv(["compress", inputs + "/scan.png", "--output", inputs + "/x.lmc"],
                                    environment: ["LMCONV_CODEC_MODELS": inputs])
        // With the models absent from every place searched, the shipped ones (if installed) or a clear refusal.
        if missing.status != 0 { XCTAssertTrue(missing.stderr.contains("pass --model"), missing.stderr) }
    }

    /// A file compressed with a model that a later version retired (moved into the models' Retired folder) still
    /// decodes without --model; without that folder it is refused in one line, writing nothing.
    func testFilesOfRetiredModelsStillDecode() throws {
        let models = try folder("retired-models")
        try FileManager.default.createDirectory(atPath: models + "/Retired", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: s.gray, toPath: models + "/fmnist-gray8.safetensors")
        try FileManager.default.copyItem(atPath: s.binary, toPath: models + "/Retired/fmnist-binary-old.safetensors")
        let inputs = try folder("retired")
        try PNG.write(RGBImage(width: 4, height: 3, channels: 1, pixels: [0, 255, 255, 0, 0, 0, 255, 255, 0, 255, 0, 0]),
                      to: inputs + "/scan.png")
        let lmc = inputs + "/scan.lmc"
        _ = try run(["compress", inputs + "/scan.png", "--model", s.binary, "--output", lmc])
        let out = try folder("retired-out")
        _ = try run(["decompress", lmc, "--output", out], environment: ["LMCONV_CODEC_MODELS": models])
        XCTAssertEqual(try PNG.read(contentsOf: out + "/scan.png"), try PNG.read(contentsOf: inputs + "/scan.png"))

        try FileManager.default.removeItem(atPath: models + "/Retired")
        let refusedOut = try folder("retired-refused")
        let refused = try runLMConv(["decompress", lmc, "--output", refusedOut], environment: ["LMCONV_CODEC_MODELS": models])
        XCTAssertNotEqual(refused.status, 0)
        assertOneLineError(refused.stderr, mentions: ["does not ship", "pass --model"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: refusedOut), [])
    }

    /// Wrong model, truncated or corrupt files, unrepresentable pixels, RGBA PNGs: one line, non-zero exit, and no
    /// output file or folder content.
    func testRefusalsLeaveNothingBehind() throws {
        let lmc = s.directory + "/refusals-\(UUID().uuidString).lmc"
        _ = try run(["compress", s.idx, "--model", s.gray, "--output", lmc])
        let bytes = try DataFile.read(lmc)
        let truncated = lmc + ".truncated.lmc", corrupt = lmc + ".corrupt.lmc"
        try Data(bytes.prefix(bytes.count - 3)).write(to: URL(fileURLWithPath: truncated))
        var flipped = bytes
        flipped[bytes.count - 20] ^= 0x01
        try Data(flipped).write(to: URL(fileURLWithPath: corrupt))
        let other = s.directory + "/other-\(UUID().uuidString)"
        _ = try run(["train", "--output", other, "--filters", "4", "--resnets", "1", "--batch-size", "6", "--steps", "1",
                     "--data", s.idx, "--mixtures", "2", "--seed", "9"])
        for (file, model, expected) in [(lmc, other + "/last.safetensors", "another model"), (truncated, s.gray, "truncated"),
                                        (corrupt, s.gray, "corrupt"), (lmc, s.binary, "another model")] {
            let out = s.directory + "/refused-\(UUID().uuidString)"
            let r = try runLMConv(["decompress", file, "--model", model, "--output", out])
            XCTAssertNotEqual(r.status, 0)
            XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(expected), "\(expected): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "decompress left \(out) behind")
        }
        // A gray input under the binary model: refused before anything is written.
        let refusedLMC = s.directory + "/never-\(UUID().uuidString).lmc"
        let r = try runLMConv(["compress", s.idx, "--model", s.binary, "--output", refusedLMC])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("binary model codes only 0 and 255"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refusedLMC))
        // RGB input for a gray model, and an existing output file without --overwrite.
        let inputs = try folder("rgb")
        try PNG.write(RGBImage(width: 2, height: 2, channels: 3, pixels: [UInt8](repeating: 9, count: 12)), to: inputs + "/c.png")
        let rgb = try runLMConv(["compress", inputs + "/c.png", "--model", s.gray, "--output", inputs + "/c.lmc"])
        XCTAssertTrue(rgb.stderr.contains("3-channel images"), rgb.stderr)
        let out = try folder("exists")
        _ = try run(["decompress", lmc, "--model", s.gray, "--output", out, "--format", "npy"])
        let again = try runLMConv(["decompress", lmc, "--model", s.gray, "--output", out, "--format", "npy"])
        XCTAssertTrue(again.stderr.contains("--overwrite"), again.stderr)
    }
}
