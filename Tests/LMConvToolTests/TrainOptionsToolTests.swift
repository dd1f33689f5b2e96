import Foundation
import LMConv
import TestSupport
import XCTest

/// `lmconv train --model pixelcnn++` and the reference's training options through the built tool: each recorded in
/// the checkpoint and run.json, resumed exactly, refused with one line when it does not apply.
final class TrainOptionsToolTests: XCTestCase {
    private var directory: String!
    private var train: String { directory + "/train-images-idx3-ubyte" }
    private var test: String { directory + "/t10k-images-idx3-ubyte" }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("TrainOptionsToolTests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(ToolTests.idxImages(count: 24, height: 8, width: 8, seed: 1)).write(to: URL(fileURLWithPath: train))
        try Data(ToolTests.idxImages(count: 6, height: 8, width: 8, seed: 2)).write(to: URL(fileURLWithPath: test))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func trainTool(_ arguments: [String]) throws -> ToolResult {
        try runLMConv(["train", "--data", train, "--filters", "4", "--resnets", "1", "--batch-size", "6"] + arguments)
    }

    private func weights(_ run: String) throws -> [String: Tensor] {
        try Checkpoint.read(contentsOf: URL(fileURLWithPath: run + "/last.safetensors")).weights
    }

    func testPixelCNNPlusPlusTrainsResumesAndEvaluates() throws {
        let straight = directory + "/straight", split = directory + "/split"
        let common = ["--model", "pixelcnn++", "--binarize", "--test-data", test, "--eval-every", "0"]
        var r = try trainTool(common + ["--steps", "4", "--output", straight])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("PixelCNN++"), r.stderr)
        r = try trainTool(common + ["--steps", "2", "--output", split])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try runLMConv(["train", "--resume", "--steps", "4", "--output", split])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try weights(split), try weights(straight))
        let checkpoint = try Checkpoint.read(contentsOf: URL(fileURLWithPath: straight + "/last.safetensors"))
        XCTAssertEqual(checkpoint.configuration.network, .pixelCNNPlusPlus)
        r = try runLMConv(["evaluate", "--checkpoint", straight + "/last.safetensors", "--data", test, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue((try parseJSON(r.stdout)["bpd"] as? Double).map { $0.isFinite } ?? false, r.stdout)
    }

    func testPixelCNNPlusPlusRefusesLMConvOnlyOptions() throws {
        for (flag, extra) in [("--order", ["--order", "s_curve"]), ("--kernel-size", ["--kernel-size", "5"]),
                              ("--no-bias", ["--no-bias"]), ("--order-indices", ["--order-indices", "0"])] {
            let run = directory + "/refused"
            let r = try trainTool(["--model", "pixelcnn++", "--steps", "1", "--output", run] + extra)
            assertFailure(r, mentions: [flag, "pixelcnn++"], noOutput: run + "/last.safetensors")
        }
    }

    func testReferenceOptionsAreRecordedAndResumeExactly() throws {
        let options = ["--order-indices", "1,3", "--weight-decay", "0.01", "--accumulate", "2", "--minimize-bpd",
                       "--no-bias", "--learn-mask-weights", "--keep-every", "2", "--sample-every", "3",
                       "--sample-count", "4", "--resize-sizes", "8", "4", "--resize-probs", "0.5", "0.5",
                       "--test-data", test, "--eval-every", "2", "--eval-limit", "6"]
        let straight = directory + "/straight", split = directory + "/split"
        var r = try trainTool(options + ["--steps", "4", "--output", straight])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try trainTool(options + ["--steps", "2", "--output", split])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try runLMConv(["train", "--resume", "--steps", "4", "--output", split])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try weights(split), try weights(straight))
        for file in ["step-2.safetensors", "step-4.safetensors", "samples-step-3.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: split + "/" + file), file)
        }
        let checkpoint = try Checkpoint.read(contentsOf: URL(fileURLWithPath: straight + "/last.safetensors"))
        let recorded = try XCTUnwrap(checkpoint.training?.options)
        XCTAssertEqual(recorded.orderIndices, [1, 3])
        XCTAssertEqual(recorded.weightDecay, 0.01)
        XCTAssertEqual(recorded.accumulate, 2)
        XCTAssertTrue(recorded.minimizeBPD)
        XCTAssertEqual(recorded.resizeSizes, [ImageSize(height: 8, width: 8), ImageSize(height: 4, width: 4)])
        XCTAssertFalse(checkpoint.configuration.convBias)
        XCTAssertTrue(checkpoint.configuration.learnWeightForMasks)
        let records = try MetricsLog.records(in: URL(fileURLWithPath: split + "/metrics.jsonl"))
        XCTAssertEqual(records.filter { $0["test_bpd_4x4"] != nil }.map { $0["step"] as! Int }, [2, 4])
    }

    func testInitFromFineTunesAndBadOptionsAreOneLine() throws {
        let source = directory + "/source", tuned = directory + "/tuned"
        var r = try trainTool(["--binarize", "--steps", "2", "--output", source])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try runLMConv(["train", "--data", train, "--init-from", source + "/last.safetensors", "--steps", "1",
                           "--batch-size", "6", "--output", tuned])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("Adam state"), r.stderr)
        let info = try XCTUnwrap(try TrainingRun.info(in: URL(fileURLWithPath: tuned)))
        XCTAssertEqual(info.initFrom, source + "/last.safetensors")
        XCTAssertEqual(try Checkpoint.read(contentsOf: URL(fileURLWithPath: tuned + "/last.safetensors")).training?.optimizerStep, 3)

        let bad = directory + "/bad"
        let cases: [([String], [String])] = [
            (["--init-from", source + "/last.safetensors", "--filters", "8"], ["--filters", "--init-from"]),
            (["--init-from", directory + "/missing.safetensors"], ["--init-from", "missing.safetensors"]),
            (["--order-indices", "9"], ["--order-indices", "9"]),
            (["--order-indices", "1,x"], ["--order-indices"]),
            (["--resize-sizes", "8", "4", "--resize-probs", "0.9", "0.9"], ["--resize-probs"]),
            (["--resize-probs", "1"], ["--resize-probs", "--resize-sizes"]),
            (["--accumulate", "0"], ["--accumulate"]),
            (["--weight-decay", "-1"], ["--weight-decay"]),
            (["--keep-every", "0"], ["--keep-every"]),
            (["--reset-optimizer"], ["--reset-optimizer", "--init-from"]),
        ]
        for (arguments, mentions) in cases {
            r = try runLMConv(["train", "--data", train, "--steps", "1", "--output", bad] + arguments)
            assertFailure(r, mentions: mentions, noOutput: bad + "/last.safetensors")
        }
    }
}
