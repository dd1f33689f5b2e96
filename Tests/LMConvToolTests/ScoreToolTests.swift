import Foundation
import LMConv
import TestSupport
import XCTest

/// End-to-end tests of `lmconv score` and `lmconv ood` (and `train --perturb-rate`): tiny models trained here on
/// 8x8 data, JSON shapes, the pictures written, and one-line errors for bad input.
final class ScoreToolTests: XCTestCase {
    /// Data and checkpoints for the whole class: in-distribution blobs, noise images, a binarized model, a
    /// background model trained on perturbed blobs, and an 8-bit model.
    nonisolated(unsafe) static var shared: (directory: String, blobs: String, noise: String, model: String,
                                            background: String, grayModel: String)?

    override class func setUp() {
        super.setUp()
        do {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmconv-score-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let blobs = dir + "/blobs-idx3-ubyte", noise = dir + "/noise-idx3-ubyte"
            try Data(ToolTests.idxImages(count: 24, height: 8, width: 8, seed: 3)).write(to: URL(fileURLWithPath: blobs))
            var rng = Xoshiro256(seed: 4)
            var noiseBytes: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 16, 0, 0, 0, 8, 0, 0, 0, 8]
            noiseBytes += (0..<(16 * 64)).map { _ in UInt8(rng.next() >> 56) }
            try Data(noiseBytes).write(to: URL(fileURLWithPath: noise))
            let tiny = ["--filters", "4", "--resnets", "1", "--batch-size", "8", "--steps", "3", "--data", blobs]
            for (name, extra) in [("model", ["--binarize"]), ("background", ["--binarize", "--perturb-rate", "0.2"]),
                                  ("gray", ["--mixtures", "2"])] {
                let r = try runLMConv(["train", "--output", dir + "/" + name] + tiny + extra)
                guard r.status == 0 else { fatalError("training \(name) failed: \(r.stderr)") }
            }
            shared = (dir, blobs, noise, dir + "/model/last.safetensors", dir + "/background/last.safetensors",
                      dir + "/gray/last.safetensors")
        } catch {
            fatalError("setting up the score tool tests failed: \(error)")
        }
    }

    override class func tearDown() {
        if let dir = shared?.directory { try? FileManager.default.removeItem(atPath: dir) }
        super.tearDown()
    }

    var s: (directory: String, blobs: String, noise: String, model: String, background: String, grayModel: String) {
        Self.shared!
    }

    func testPerturbRateIsRecordedInTheCheckpoint() throws {
        let checkpoint = try Checkpoint.read(contentsOf: URL(fileURLWithPath: s.background))
        XCTAssertEqual(checkpoint.training?.options.perturbRate, 0.2)
        XCTAssertNil(try Checkpoint.read(contentsOf: URL(fileURLWithPath: s.model)).training?.options.perturbRate)
    }

    func testScoreJSONPerImageAndHeatmap() throws {
        let heatmap = s.directory + "/heat-\(UUID().uuidString.prefix(6)).png"
        let r = try runLMConv(["score", "--checkpoint", s.model, "--data", s.blobs, "--orders", "3", "--background",
                               s.background, "--generic", s.background,
                               "--limit", "10", "--json", "--per-image", "--heatmap", heatmap,
                               "--heatmap-count", "6", "--scale", "2", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try parseJSON(r.stdout)
        XCTAssertEqual(json["images_scored"] as? Int, 10)
        XCTAssertEqual((json["orders"] as? [String])?.count, 3)
        XCTAssertEqual(json["units"] as? String, "bits per dimension")
        XCTAssertEqual(json["heatmap"] as? String, heatmap)
        // A binarized model's default compressor is the orientation mixture.
        XCTAssertTrue((json["compressor"] as? String)?.hasPrefix("context8 ") == true,
                      "\(json["compressor"] ?? "none")")
        let images = try XCTUnwrap(json["images"] as? [[String: Any]])
        XCTAssertEqual(images.map { $0["index"] as? Int }, (0..<10).map { $0 })
        for image in images {
            for key in ["nll", "complexity", "likelihood_ratio", "generic_ratio", "order_spread"] {
                let value = try XCTUnwrap(image[key] as? Double, key)
                XCTAssertTrue(value.isFinite, key)
            }
            XCTAssertEqual((image["per_order_nll"] as? [Double])?.count, 3)
            XCTAssertGreaterThan(try XCTUnwrap(image["code_length_bits"] as? Double), 0)
            XCTAssertEqual(image["likelihood_ratio"] as! Double,
                           (image["nll"] as! Double) - (image["background_nll"] as! Double), accuracy: 1e-9)
            XCTAssertEqual(image["generic_ratio"] as! Double,
                           (image["nll"] as! Double) - (image["generic_nll"] as! Double), accuracy: 1e-9)
            // The same checkpoint as background and as generic model: the same NLL.
            XCTAssertEqual(image["generic_nll"] as! Double, image["background_nll"] as! Double, accuracy: 1e-12)
        }
        XCTAssertEqual((json["generic_orders"] as? [String])?.count, 3)
        let mean = try XCTUnwrap(json["mean"] as? [String: Double])
        XCTAssertEqual(Set(mean.keys), ["nll", "complexity", "likelihood_ratio", "generic_ratio", "order_spread"])
        // Six 8x8 images at scale 2 beside their maps, four pairs a row: two rows, a colour bar and a legend.
        let picture = try PNG.read(contentsOf: heatmap)
        XCTAssertEqual(picture.channels, 3)
        XCTAssertGreaterThanOrEqual(picture.width, 4 * (2 * 16 + 2))
        XCTAssertGreaterThan(picture.height, 2 * 16)
    }

    /// Text output, one order, no background; noise squares with their pixel-level AUROC.
    func testScoreTextAndNoiseSquares() throws {
        var r = try runLMConv(["score", "--checkpoint", s.grayModel, "--data", s.blobs, "--orders", "1",
                               "--paste-noise", "3", "--per-image", "--compressor", "png"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for part in ["nll", "complexity", "order_spread", "pixel-level AUROC", "png"] {
            XCTAssertTrue(r.stdout.contains(part), "\(part) in \(r.stdout)")
        }
        XCTAssertFalse(r.stdout.contains("likelihood_ratio"))
        XCTAssertFalse(r.stdout.contains("generic_ratio"))
        XCTAssertEqual(r.stdout.split(separator: "\n").filter { $0.hasPrefix("   23 ") }.count, 1, r.stdout)
        r = try runLMConv(["score", "--checkpoint", s.grayModel, "--data", s.blobs, "--paste-noise", "3", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let grayJSON = try parseJSON(r.stdout)
        // An 8-bit model's default compressor is the plain context coder.
        XCTAssertTrue((grayJSON["compressor"] as? String)?.hasPrefix("context (") == true,
                      "\(grayJSON["compressor"] ?? "none")")
        let square = try XCTUnwrap(grayJSON["noise_square"] as? [String: Any])
        XCTAssertEqual(square["size"] as? Int, 3)
        let auroc = try XCTUnwrap(square["pixel_auroc"] as? Double)
        XCTAssertTrue((0...1).contains(auroc))
        XCTAssertNil(square["generic_ratio_pixel_auroc"], "no generic model, no ratio map")

        // With a generic model, the map minus the generic model's too; with the model itself as the generic
        // model every pixel's ratio is 0, an AUROC of exactly 1/2.
        r = try runLMConv(["score", "--checkpoint", s.grayModel, "--data", s.blobs, "--paste-noise", "3",
                           "--generic", s.grayModel, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let withGeneric = try XCTUnwrap(try parseJSON(r.stdout)["noise_square"] as? [String: Any])
        XCTAssertEqual(withGeneric["pixel_auroc"] as? Double, auroc)
        XCTAssertEqual(withGeneric["generic_ratio_pixel_auroc"] as? Double, 0.5)
        r = try runLMConv(["score", "--checkpoint", s.grayModel, "--data", s.blobs, "--paste-noise", "3",
                           "--generic", s.grayModel])
        XCTAssertTrue(r.stdout.contains("of the map minus the generic model's"), r.stdout)
    }

    /// --pixel-maps writes every scored image's map as a float32 (N, H, W) .npy array; each image's map sums to the
    /// mean of its per-order NLLs in bits (per_order_nll is in bits per dimension; D = 64 sub-pixels here).
    func testScorePixelMapsNPY() throws {
        let path = s.directory + "/maps-\(UUID().uuidString.prefix(6)).npy"
        let r = try runLMConv(["score", "--checkpoint", s.model, "--data", s.blobs, "--orders", "2", "--limit", "5",
                               "--json", "--per-image", "--pixel-maps", path, "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try parseJSON(r.stdout)
        XCTAssertEqual(json["pixel_maps"] as? String, path)
        let bytes = try DataFile.read(path)
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.contains("'descr': '<f4'") && header.contains("'shape': (5, 8, 8)"), header)
        XCTAssertEqual(bytes.count, 10 + headerLength + 4 * 5 * 64)
        let maps: [Float] = stride(from: 10 + headerLength, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
                  | UInt32(bytes[i + 3]) << 24)
        }
        let images = try XCTUnwrap(json["images"] as? [[String: Any]])
        for (n, image) in images.enumerated() {
            let perOrder = try XCTUnwrap(image["per_order_nll"] as? [Double])
            let bits = perOrder.reduce(0, +) / Double(perOrder.count) * 64
            let sum = maps[(n * 64)..<((n + 1) * 64)].reduce(0.0) { $0 + Double($1) }
            XCTAssertGreaterThan(bits, 1)
            XCTAssertEqual(sum, bits, accuracy: 1e-4 * bits, "image \(n)")
        }
        // A folder that does not exist: a one-line error before any scoring, nothing written.
        let missing = try runLMConv(["score", "--checkpoint", s.model, "--data", s.blobs, "--pixel-maps",
                                     s.directory + "/no-such-folder/maps.npy"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("--pixel-maps") && missing.stderr.contains("does not exist"), missing.stderr)
    }

    func testOodJSONTableAndROCPicture() throws {
        let roc = s.directory + "/roc-\(UUID().uuidString.prefix(6)).png"
        // The model as its own generic model: a generic ratio of 0 for every image, so an AUROC of exactly 1/2.
        var r = try runLMConv(["ood", "--checkpoint", s.model, "--in", s.blobs, "--out", s.noise, "--background",
                               s.background, "--generic", s.model, "--orders", "2", "--json", "--roc", roc])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try parseJSON(r.stdout)
        XCTAssertEqual(json["in_images"] as? Int, 24)
        XCTAssertEqual(json["out_images"] as? Int, 16)
        let scores = try XCTUnwrap(json["scores"] as? [String: [String: Double]])
        XCTAssertEqual(Set(scores.keys), ["nll", "complexity", "likelihood_ratio", "generic_ratio", "order_spread"])
        XCTAssertEqual(scores["generic_ratio"]?["auroc"], 0.5)
        XCTAssertEqual(json["generic"] as? String, s.model)
        for (name, metrics) in scores {
            for key in ["auroc", "auprc", "fpr_at_95_tpr"] {
                let v = try XCTUnwrap(metrics[key], "\(name).\(key)")
                XCTAssertTrue((0...1).contains(v), "\(name).\(key) = \(v)")
            }
            XCTAssertNotNil(metrics["mean_in"])
            XCTAssertNotNil(metrics["mean_out"])
            let auroc = try XCTUnwrap(metrics["auroc"]), error = try XCTUnwrap(metrics["auroc_standard_error"])
            let low = try XCTUnwrap(metrics["auroc_ci95_low"]), high = try XCTUnwrap(metrics["auroc_ci95_high"])
            XCTAssertTrue(error >= 0 && low <= auroc && auroc <= high && 0 <= low && high <= 1, "\(name): \(metrics)")
            XCTAssertEqual(low, max(0, auroc - 1.96 * error), accuracy: 1e-9)
        }
        // Noise is far from blobs, even for a model trained three steps: its complexity correction is large.
        let picture = try PNG.read(contentsOf: roc)
        XCTAssertGreaterThan(picture.width, 300)

        r = try runLMConv(["ood", "--checkpoint", s.model, "--in", s.blobs, "--out", s.noise, "--orders", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains {
            $0.hasPrefix("score") && $0.contains("AUROC") && $0.contains("SE(AUROC)") && $0.contains("FPR@95%TPR")
        })
        XCTAssertTrue(lines.contains { $0.hasPrefix("nll ") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("complexity ") })
        XCTAssertFalse(lines.contains { $0.hasPrefix("order_spread ") })   // one order: no spread to measure
    }

    /// `--generic shipped` scores with the generic model that ships for binarized images, as if its file were given;
    /// an 8-bit model has none.
    func testShippedGenericModel() throws {
        let file = try XCTUnwrap(ShippedGenericModel.binary.path, "the shipped generic model is in the source tree")
        func nll(_ generic: String) throws -> [Double] {
            let r = try runLMConv(["score", "--checkpoint", s.model, "--data", s.blobs, "--orders", "1",
                                   "--limit", "4", "--generic", generic, "--json", "--per-image"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let json = try parseJSON(r.stdout)
            XCTAssertEqual(json["generic"] as? String, file, "the report names the file scored with")
            let images = try XCTUnwrap(json["images"] as? [[String: Any]])
            return images.map { $0["generic_nll"] as! Double }
        }
        let shipped = try nll("shipped")
        XCTAssertEqual(shipped.count, 4)
        XCTAssertEqual(shipped, try nll(file))
        let checkpoint = try Checkpoint.read(contentsOf: URL(fileURLWithPath: file))
        XCTAssertTrue(checkpoint.configuration.binarize)
        XCTAssertEqual(checkpoint.configuration.channels, 1)
        assertFailure(try runLMConv(["score", "--checkpoint", s.grayModel, "--data", s.blobs, "--generic", "shipped"]),
                      mentions: ["--generic", "8-bit"])
    }

    func testBadInputEndsInOneLineErrors() throws {
        let heatmap = s.directory + "/never.png"
        let missing = s.directory + "/missing-idx3-ubyte"
        assertFailure(try runLMConv(["score", "--checkpoint", s.model, "--data", missing, "--heatmap", heatmap]),
                      mentions: ["--data", missing], noOutput: heatmap)
        assertFailure(try runLMConv(["score", "--checkpoint", s.model, "--data", s.blobs, "--heatmap",
                                     s.directory + "/no/such/dir/h.png"]), mentions: ["--heatmap"])
        assertFailure(try runLMConv(["score", "--checkpoint", s.model, "--data", s.blobs, "--orders", "9",
                                     "--heatmap", heatmap]), mentions: ["--orders", "9"], noOutput: heatmap)
        assertFailure(try runLMConv(["score", "--checkpoint", s.model, "--data", s.blobs, "--background", s.grayModel]),
                      mentions: ["--background", "binarized"])
        assertFailure(try runLMConv(["score", "--checkpoint", s.model, "--data", s.blobs, "--background", missing]),
                      mentions: ["--background", missing])
        assertFailure(try runLMConv(["score", "--checkpoint", s.model, "--data", s.blobs, "--generic", s.grayModel]),
                      mentions: ["--generic", "generic model is 8-bit"])
        assertFailure(try runLMConv(["ood", "--checkpoint", s.model, "--in", s.blobs, "--out", s.noise,
                                     "--background", s.background, "--generic", missing]),
                      mentions: ["--generic", missing])
        assertFailure(try runLMConv(["score", "--checkpoint", s.model, "--data", s.blobs, "--paste-noise", "9"]),
                      mentions: ["--paste-noise", "8x8"])
        assertFailure(try runLMConv(["score", "--checkpoint", s.model, "--data", s.blobs, "--orders", "0"]),
                      mentions: ["--orders"])
        assertFailure(try runLMConv(["score", "--checkpoint", s.model, "--data", s.blobs, "--compressor", "zip"]),
                      mentions: ["--compressor", "zip"])
        let roc = s.directory + "/never-roc.png"
        assertFailure(try runLMConv(["ood", "--checkpoint", s.model, "--in", s.blobs, "--out", missing, "--roc", roc]),
                      mentions: ["--out", missing], noOutput: roc)
        // RGB images for a one-channel model.
        let rgb = s.directory + "/rgb.npy"
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 8, 8, 3), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let npy = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0] + Array(header.utf8)
            + [UInt8](repeating: 7, count: 2 * 8 * 8 * 3)
        try Data(npy).write(to: URL(fileURLWithPath: rgb))
        assertFailure(try runLMConv(["ood", "--checkpoint", s.model, "--in", rgb, "--out", s.noise]),
                      mentions: ["--in", rgb, "channels"])
        assertFailure(try runLMConv(["train", "--data", s.blobs, "--perturb-rate", "1.5", "--output", s.directory + "/p"]),
                      mentions: ["--perturb-rate"])
    }
}
