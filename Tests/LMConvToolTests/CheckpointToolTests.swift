import Foundation
import LMConv
import TestSupport
import XCTest

/// `lmconv info` and `lmconv average`, run as the built executable.
final class CheckpointToolTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("CheckpointToolTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func fixture(_ path: String) -> String { fixturesDirectory.appendingPathComponent(path).path }
    private func temp(_ name: String) -> String { directory.appendingPathComponent(name).path }

    // MARK: - info

    func testInfoOfReferenceCheckpointsOfBothNetworks() throws {
        let r = try runLMConv(["info", fixture("binary-28/checkpoint.pth")])
        XCTAssertEqual(r.status, 0, r.stderr)
        for fragment in ["pth (zip)", "locally masked PixelCNN", "1x28x28 binarized, nr_filters 8", "31068",
                         "s_curve x8: 8 orders", "7  s_curve.transpose+reflect_all", "step          1 (epoch 0)",
                         "mnist, 60000 images", "batch_size=32"] {
            XCTAssertTrue(r.stdout.contains(fragment), "'\(r.stdout)' lacks '\(fragment)'")
        }
        let j = try parseJSON(try runLMConv(["info", fixture("baseline-rgb-32/checkpoint.pth"), "--json"]).stdout)
        XCTAssertEqual(j["network"] as? String, "pixelcnn++")
        XCTAssertEqual(j["parameters"] as? Int, 37388)
        XCTAssertEqual(j["order_names"] as? [String], ["raster_scan"])
        XCTAssertEqual(j["step"] as? Int, 1)
        XCTAssertEqual(j["training_data"] as? String, "cifar")
        XCTAssertEqual(j["training_images"] as? Int, 50000)
        XCTAssertEqual((j["configuration"] as? [String: Any])?["nr_logistic_mix"] as? Int, 3)
        XCTAssertEqual(j["optimizer_state"] as? Bool, true)
        let args = try XCTUnwrap(j["args"] as? [String: Any])
        XCTAssertEqual(args["batch_size"] as? Int, 32)
        XCTAssertEqual(args["ours"] as? Bool, false)
        XCTAssertEqual(args["order"] as? [String], ["raster_scan"])
        XCTAssertTrue(args["order_variants"] is NSNull)
        let legacy = try parseJSON(try runLMConv(["info", fixture("binary-28/checkpoint_legacy.pth"), "--json"]).stdout)
        XCTAssertEqual(legacy["format"] as? String, "pth (legacy)")
    }

    func testInfoOfATrainingRun() throws {
        let data = temp("train-images-idx3-ubyte")
        try Data(ToolTests.idxImages(count: 12, height: 8, width: 8, seed: 2)).write(to: URL(fileURLWithPath: data))
        let run = temp("run")
        let trained = try runLMConv(["train", "--data", data, "--steps", "3", "--ema", "0.9", "--output", run]
                                    + ToolTests.tinyModel)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let j = try parseJSON(try runLMConv(["info", run + "/last.safetensors", "--json"]).stdout)
        XCTAssertEqual(j["format"] as? String, "safetensors")
        XCTAssertEqual(j["step"] as? Int, 3)
        XCTAssertEqual(j["training_images"] as? Int, 12)
        XCTAssertEqual(j["training_data"] as? String, data)
        XCTAssertEqual(j["ema"] as? Bool, true)
        XCTAssertEqual(j["optimizer_state"] as? Bool, true)
        XCTAssertEqual((j["training_options"] as? [String: Any])?["batchSize"] as? Int, 8)
        let model = try Checkpoint.read(contentsOf: URL(fileURLWithPath: run + "/last.safetensors")).makeModel()
        XCTAssertEqual(j["parameters"] as? Int, model.parameters.totalCount)
        XCTAssertEqual((j["order_names"] as? [String])?.count, 8)
    }

    func testInfoRefusesMissingAndForeignFiles() throws {
        assertFailure(try runLMConv(["info", temp("absent.safetensors")]), mentions: ["absent.safetensors"])
        assertFailure(try runLMConv(["info", fixture("binary-28/images.idx")]), mentions: ["images.idx", "not a checkpoint"])
        let truncated = temp("truncated.pth")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("binary-28/checkpoint.pth")))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        assertFailure(try runLMConv(["info", truncated]), mentions: ["truncated.pth"])
    }

    /// A checkpoint imported with the reference's `order_variants` evaluates under exactly those orders: the
    /// per-image ensemble NLLs of `lmconv evaluate` are the reference's per-order NLLs ensembled over them.
    func testOrderVariantsSelectionEvaluatesAsTheReference() throws {
        let reference = try ReferenceFixture("binary-28")
        var checkpoint = try Checkpoint.load(contentsOf: URL(fileURLWithPath: fixture("binary-28/checkpoint.pth")))
        checkpoint.orders.selection = [6, 1]
        let path = temp("selected.safetensors")
        try checkpoint.write(to: URL(fileURLWithPath: path))
        let info = try parseJSON(try runLMConv(["info", path, "--json"]).stdout)
        XCTAssertEqual(info["order_names"] as? [String], ["s_curve.transpose+reflect_cols", "s_curve.reflect_rows"])
        let r = try runLMConv(["evaluate", "--checkpoint", path, "--data", fixture("binary-28/images.idx"), "--json",
                               "--per-image"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try parseJSON(r.stdout)
        XCTAssertEqual((json["orders"] as? [String])?.count, 2)
        let got = try XCTUnwrap(json["per_image_nll_nats"] as? [Double])
        for (b, nlls) in reference.perImagePerOrderNLL.enumerated() {
            // -log((exp(-a) + exp(-b)) / 2)
            let (x, y) = (nlls[6], nlls[1]), m = min(x, y)
            let want = m - log((exp(m - x) + exp(m - y)) / 2)
            XCTAssertEqual(got[b], want, accuracy: 1e-4 * want, "image \(b)")
        }
    }

    // MARK: - average

    /// A copy of `checkpoint` with every weight changed by `transform(index, value)`.
    private func changed(_ checkpoint: Checkpoint, _ transform: (Int, Float) -> Float) -> [String: Tensor] {
        checkpoint.weights.mapValues { t in
            Tensor(shape: t.shape, scalars: t.scalars.enumerated().map { transform($0.offset, $0.element) })
        }
    }

    func testAverageIsTheElementwiseMean() throws {
        let pth = fixture("binary-28/checkpoint.pth")
        let a = try Checkpoint.load(contentsOf: URL(fileURLWithPath: pth))
        var b = a
        b.weights = changed(a) { i, v in v * 0.5 + Float(i % 7) * 0.01 - 0.02 }
        let bPath = temp("b.safetensors")
        try b.write(to: URL(fileURLWithPath: bPath))
        let out = temp("mean.safetensors")
        // A .pth and a .safetensors of the same configuration average.
        let r = try runLMConv(["average", pth, bPath, "--output", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("averaged 2 checkpoints"), r.stdout)
        let mean = try Checkpoint.read(contentsOf: URL(fileURLWithPath: out))
        XCTAssertEqual(mean.configuration, a.configuration)
        XCTAssertEqual(mean.orders, a.orders)
        XCTAssertEqual(Set(mean.weights.keys), Set(a.weights.keys))
        for (name, t) in a.weights {
            let expected = zip(t.scalars, b.weights[name]!.scalars).map { Float((Double($0) + Double($1)) / 2) }
            XCTAssertEqual(mean.weights[name]?.scalars, expected, name)
            XCTAssertEqual(mean.weights[name]?.shape, t.shape, name)
        }
        XCTAssertNil(mean.emaWeights, "the .pth has no EMA weights, so none are averaged")
        XCTAssertNil(mean.optimizerMoments)
        XCTAssertNil(mean.training)
        // The average works as a model.
        let e = try runLMConv(["evaluate", "--checkpoint", out, "--data", fixture("binary-28/images.idx"), "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
    }

    func testAverageOfThreeWithEMAWeights() throws {
        let base = try Checkpoint.load(contentsOf: URL(fileURLWithPath: fixture("binary-28/checkpoint.pth")))
        var paths: [String] = []
        for k in 0..<3 {
            var c = base
            c.weights = changed(base) { _, v in v + Float(k) }
            c.emaWeights = changed(base) { _, v in v - Float(k) * 2 }
            paths.append(temp("c\(k).safetensors"))
            try c.write(to: URL(fileURLWithPath: paths[k]))
        }
        let out = temp("mean3.safetensors")
        XCTAssertEqual(try runLMConv(["average"] + paths + ["-o", out]).status, 0)
        let mean = try Checkpoint.read(contentsOf: URL(fileURLWithPath: out))
        for (name, t) in base.weights {
            XCTAssertEqual(mean.weights[name]!.scalars, t.scalars.map { Float((Double($0) * 3 + 3) / 3) }, name)
            XCTAssertEqual(mean.emaWeights?[name]?.scalars, t.scalars.map { Float((Double($0) * 3 - 6) / 3) }, name)
        }
    }

    func testAverageRefusesMismatchedCheckpoints() throws {
        let out = temp("out.safetensors")
        assertFailure(try runLMConv(["average", fixture("binary-28/checkpoint.pth"), fixture("gray-28/checkpoint.pth"),
                                     "--output", out]),
                      mentions: ["gray-28/checkpoint.pth", "different model configuration", "binarize"], noOutput: out)
        // Same configuration, other orders.
        var other = try Checkpoint.load(contentsOf: URL(fileURLWithPath: fixture("binary-28/checkpoint.pth")))
        other.orders = OrderSpecification(names: ["raster_scan"], variants: 1)
        let otherPath = temp("other-orders.safetensors")
        try other.write(to: URL(fileURLWithPath: otherPath))
        assertFailure(try runLMConv(["average", fixture("binary-28/checkpoint.pth"), otherPath, "--output", out]),
                      mentions: ["other-orders.safetensors", "different orders"], noOutput: out)
        assertFailure(try runLMConv(["average", fixture("binary-28/checkpoint.pth"), "--output", out]),
                      mentions: ["two or more"], noOutput: out)
        assertFailure(try runLMConv(["average", fixture("binary-28/checkpoint.pth"), temp("absent.pth"), "--output", out]),
                      mentions: ["absent.pth"], noOutput: out)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("out") }
        XCTAssertEqual(leftovers, [])
    }
}
