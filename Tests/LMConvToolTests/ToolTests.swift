import Foundation
import LMConv
import TestSupport
import XCTest

/// End-to-end tests of the `lmconv` executable: each runs the built tool as a subprocess on tiny 8x8 data and a
/// tiny model (F 4, R 1), and checks its files, output and exit codes.
final class ToolTests: XCTestCase {
    // MARK: - Shared fixtures

    /// A temporary directory with train/test IDX files and one trained checkpoint, made once for the whole class.
    /// Safe unsynchronised: written once by the class `setUp()`, before any test of the class runs (XCTest runs them
    /// serially), then only read.
    nonisolated(unsafe) static var shared: (directory: String, train: String, test: String, checkpoint: String)?

    /// Training options for a tiny, fast run on the 8x8 data.
    static let tinyModel = ["--filters", "4", "--resnets", "1", "--batch-size", "8", "--binarize"]

    override class func setUp() {
        super.setUp()
        do {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmconv-tool-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let train = dir + "/train-images-idx3-ubyte", test = dir + "/t10k-images-idx3-ubyte"
            try Data(idxImages(count: 40, height: 8, width: 8, seed: 1)).write(to: URL(fileURLWithPath: train))
            try Data(idxImages(count: 12, height: 8, width: 8, seed: 2)).write(to: URL(fileURLWithPath: test))
            let run = dir + "/shared-run"
            let result = try runTool(["train", "--data", train, "--steps", "4", "--output", run] + tinyModel)
            guard result.status == 0 else { fatalError("training the shared checkpoint failed: \(result.stderr)") }
            shared = (dir, train, test, run + "/last.safetensors")
        } catch {
            fatalError("setting up the tool tests failed: \(error)")
        }
    }

    override class func tearDown() {
        if let dir = shared?.directory { try? FileManager.default.removeItem(atPath: dir) }
        super.tearDown()
    }

    var dir: String { Self.shared!.directory }
    var trainData: String { Self.shared!.train }
    var testData: String { Self.shared!.test }
    var checkpoint: String { Self.shared!.checkpoint }

    /// A fresh directory inside the shared one.
    func scratch(_ name: String = #function) throws -> String {
        let path = dir + "/" + name.filter { $0.isLetter || $0.isNumber } + "-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    // MARK: - Train and resume

    func testTrainWritesCheckpointsMetricsAndBest() throws {
        let run = try scratch() + "/run"
        let r = try Self.runTool(["train", "--data", trainData, "--test-data", testData, "--steps", "4",
                                  "--log-every", "1", "--checkpoint-every", "2", "--eval-every", "2",
                                  "--eval-limit", "8", "--output", run] + Self.tinyModel)
        XCTAssertEqual(r.status, 0, r.stderr)
        for name in ["last.safetensors", "best.safetensors", "metrics.jsonl", "run.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/" + name), name)
        }
        let records = try MetricsLog.records(in: URL(fileURLWithPath: run + "/metrics.jsonl"))
        let trainSteps = records.filter { $0["train_bpd"] != nil }.map { $0["step"] as! Int }
        let testSteps = records.filter { $0["test_bpd"] != nil }.map { $0["step"] as! Int }
        XCTAssertEqual(trainSteps, [1, 2, 3, 4])
        XCTAssertEqual(testSteps, [2, 4])
        for record in records where record["train_bpd"] != nil {
            for key in ["lr", "images_per_s", "train_bpd"] { XCTAssertNotNil(record[key] as? Double, key) }
            XCTAssertTrue((record["train_bpd"] as! Double).isFinite)
        }
        let checkpoint = try Checkpoint.read(contentsOf: URL(fileURLWithPath: run + "/last.safetensors"))
        XCTAssertEqual(checkpoint.training?.step, 4)
        XCTAssertEqual(checkpoint.configuration.filters, 4)
        XCTAssertEqual(checkpoint.configuration.height, 8)
        XCTAssertTrue(checkpoint.configuration.binarize)
        XCTAssertNotNil(checkpoint.training?.bestTestBPD)

        // Without --resume an existing run is not overwritten.
        let again = try Self.runTool(["train", "--data", trainData, "--steps", "1", "--output", run] + Self.tinyModel)
        XCTAssertNotEqual(again.status, 0)
        assertOneLineError(again.stderr, mentions: [run])
    }

    /// N steps straight equal N/2 steps, then --resume for N/2 more: the same losses and bit-identical weights,
    /// optimizer moments and training state; metrics lines past the checkpoint are dropped on resume.
    func testResumeEqualsUninterruptedRun() throws {
        let base = try scratch()
        let common = ["--data", trainData, "--log-every", "1", "--checkpoint-every", "100", "--seed", "3"] + Self.tinyModel
        let straight = base + "/straight", split = base + "/split"
        var r = try Self.runTool(["train", "--steps", "6", "--output", straight] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try Self.runTool(["train", "--steps", "3", "--output", split] + common)
        XCTAssertEqual(r.status, 0, r.stderr)
        // Lines a crashed run might have left past its checkpoint: a later step and a torn line.
        let metrics = URL(fileURLWithPath: split + "/metrics.jsonl")
        let handle = try FileHandle(forWritingTo: metrics)
        handle.seekToEndOfFile()
        handle.write(Data("{\"step\":5,\"train_bpd\":9.0}\n{\"step\":6,\"tra".utf8))
        try handle.close()
        r = try Self.runTool(["train", "--resume", "--steps", "6", "--output", split])
        XCTAssertEqual(r.status, 0, r.stderr)

        let a = try SafetensorsFile.read(contentsOf: URL(fileURLWithPath: straight + "/last.safetensors"))
        let b = try SafetensorsFile.read(contentsOf: URL(fileURLWithPath: split + "/last.safetensors"))
        XCTAssertEqual(Set(a.tensors.keys), Set(b.tensors.keys))
        XCTAssertTrue(a.tensors.keys.contains { $0.hasPrefix("optimizer.") })
        for (name, tensor) in a.tensors { XCTAssertEqual(tensor, b.tensors[name], name) }
        XCTAssertEqual(a.metadata, b.metadata)

        func losses(_ run: String) throws -> [Int: Double] {
            var out: [Int: Double] = [:]
            for record in try MetricsLog.records(in: URL(fileURLWithPath: run + "/metrics.jsonl")) {
                if let bpd = record["train_bpd"] as? Double { out[record["step"] as! Int] = bpd }
            }
            return out
        }
        let la = try losses(straight), lb = try losses(split)
        XCTAssertEqual(la.keys.sorted(), Array(1...6))
        XCTAssertEqual(la, lb)
        XCTAssertEqual(try MetricsLog.lines(in: metrics).count, 6)

        // Resuming the finished run trains nothing, says so, and leaves its weights as they were.
        r = try Self.runTool(["train", "--resume", "--output", split])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("step 6, no step left to train"), r.stderr)
        XCTAssertFalse(r.stderr.contains("nan"), r.stderr)
        let c = try SafetensorsFile.read(contentsOf: URL(fileURLWithPath: split + "/last.safetensors"))
        for (name, tensor) in b.tensors { XCTAssertEqual(tensor, c.tensors[name], name) }
        XCTAssertEqual(try MetricsLog.lines(in: metrics).count, 6)
    }

    /// A non-finite loss stops training with the library's message and a non-zero exit; the last good checkpoint
    /// and its metrics stay.
    /// SIGKILL at arbitrary moments of a run that checkpoints every step: whatever is on disk always loads, and the run
    /// resumes from it (checkpoints are written to a temporary file and renamed into place).
    func testKilledRunLeavesALoadableCheckpoint() throws {
        let run = try scratch() + "/run"
        let arguments = ["train", "--data", trainData, "--steps", "100000", "--checkpoint-every", "1",
                         "--log-every", "1", "--output", run] + Self.tinyModel
        var killedWithCheckpoint = 0
        var delay = 0.25
        for _ in 0..<8 {
            // Kill at a different moment each time; wait longer while no checkpoint exists yet (a slow machine).
            delay = FileManager.default.fileExists(atPath: run + "/last.safetensors") ? delay + 0.13 : delay * 2
            let process = Process()
            process.executableURL = lmconvExecutable
            process.arguments = arguments + (FileManager.default.fileExists(atPath: run + "/last.safetensors") ? ["--resume"] : [])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let last = URL(fileURLWithPath: run + "/last.safetensors")
            guard FileManager.default.fileExists(atPath: last.path) else { continue }
            killedWithCheckpoint += 1
            let checkpoint = try Checkpoint.read(contentsOf: last)
            XCTAssertNotNil(checkpoint.training, "a killed run's checkpoint keeps its training state")
            _ = try checkpoint.makeModel()
        }
        XCTAssertGreaterThan(killedWithCheckpoint, 0, "no run lived long enough to write a checkpoint")
        // The run goes on from what the last kill left.
        let step = try Checkpoint.read(contentsOf: URL(fileURLWithPath: run + "/last.safetensors")).training!.step
        let resumed = try Self.runTool(["train", "--resume", "--steps", "\(step + 2)", "--output", run])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try Checkpoint.read(contentsOf: URL(fileURLWithPath: run + "/last.safetensors")).training!.step,
                       step + 2)
    }

    /// SIGTERM (and SIGINT) stop a run cleanly: it finishes the step under way, checkpoints at that step although
    /// the schedule would not have, exits with 128 + the signal and says so in one line; resuming it to a later step
    /// gives exactly the weights of a run that was never stopped.
    func testTerminationSignalCheckpointsTheStepAndResumesExactly() throws {
        for sig in [SIGTERM, SIGINT] {
            let base = try scratch("signal\(sig)"), run = base + "/run"
            let common = ["--data", trainData, "--checkpoint-every", "100000", "--log-every", "1", "--seed", "5"] + Self.tinyModel
            let process = Process()
            process.executableURL = lmconvExecutable
            process.arguments = ["train", "--steps", "100000", "--output", run] + common
            let stderrPath = base + "/stderr.txt"
            FileManager.default.createFile(atPath: stderrPath, contents: nil)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
            try process.run()
            // Wait until a few steps are logged (the run is then inside its training loop).
            let metrics = URL(fileURLWithPath: run + "/metrics.jsonl"), started = Date()
            while process.isRunning && Date().timeIntervalSince(started) < 120
                && ((try? MetricsLog.lines(in: metrics).count) ?? 0) < 3 {
                Thread.sleep(forTimeInterval: 0.02)
            }
            XCTAssertTrue(process.isRunning, "the run ended before the signal")
            kill(process.processIdentifier, sig)
            process.waitUntilExit()
            let stderr = try String(contentsOfFile: stderrPath, encoding: .utf8)
            XCTAssertEqual(process.terminationReason, .exit, stderr)
            XCTAssertEqual(process.terminationStatus, 128 + sig, stderr)
            let name = sig == SIGTERM ? "SIGTERM" : "SIGINT"
            let line = try XCTUnwrap(stderr.split(separator: "\n").last.map(String.init))
            XCTAssertTrue(line.hasPrefix("stopped by \(name) after step "), stderr)
            let step = try XCTUnwrap(Checkpoint.read(contentsOf: URL(fileURLWithPath: run + "/last.safetensors")).training?.step)
            XCTAssertTrue(line.contains("after step \(step):"), line)
            XCTAssertGreaterThanOrEqual(step, 3)
            XCTAssertEqual(try MetricsLog.lines(in: metrics).count, step, "one metrics line per step trained")

            // Resumed to two steps more: the same weights, moments and state as a run that went there at once.
            let resumed = try Self.runTool(["train", "--resume", "--steps", "\(step + 2)", "--output", run])
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            let straight = base + "/straight"
            let r = try Self.runTool(["train", "--steps", "\(step + 2)", "--output", straight] + common)
            XCTAssertEqual(r.status, 0, r.stderr)
            let a = try SafetensorsFile.read(contentsOf: URL(fileURLWithPath: straight + "/last.safetensors"))
            let b = try SafetensorsFile.read(contentsOf: URL(fileURLWithPath: run + "/last.safetensors"))
            XCTAssertEqual(Set(a.tensors.keys), Set(b.tensors.keys))
            for (key, tensor) in a.tensors { XCTAssertEqual(tensor, b.tensors[key], "\(name): \(key)") }
        }
    }

    func testDivergenceKeepsLastGoodCheckpoint() throws {
        let run = try scratch() + "/run"
        let r = try Self.runTool(["train", "--data", trainData, "--filters", "4", "--resnets", "1", "--mixtures", "2",
                                  "--batch-size", "8", "--lr", "1e20", "--steps", "10", "--checkpoint-every", "1",
                                  "--log-every", "1", "--output", run])
        XCTAssertNotEqual(r.status, 0)
        let lastLine = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(lastLine.hasPrefix("error: training diverged"), r.stderr)
        let checkpoint = try Checkpoint.read(contentsOf: URL(fileURLWithPath: run + "/last.safetensors"))
        let step = try XCTUnwrap(checkpoint.training?.step)
        XCTAssertGreaterThanOrEqual(step, 1)
        XCTAssertTrue(lastLine.contains("at step \(step + 1)"), lastLine)
        for (name, tensor) in checkpoint.weights { XCTAssertTrue(tensor.scalars.allSatisfy(\.isFinite), name) }
        let steps = try MetricsLog.records(in: URL(fileURLWithPath: run + "/metrics.jsonl")).map { $0["step"] as! Int }
        XCTAssertEqual(steps, Array(1...step))
    }

    // MARK: - Evaluate

    func testEvaluateJSON() throws {
        var r = try Self.runTool(["evaluate", "--checkpoint", checkpoint, "--data", testData, "--limit", "5", "--json",
                                  "--per-image"])
        XCTAssertEqual(r.status, 0, r.stderr)
        var json = try parseJSON(r.stdout)
        XCTAssertEqual(json["images"] as? Int, 5)
        XCTAssertEqual((json["orders"] as? [String])?.count, 8)
        XCTAssertEqual((json["per_image_nll_nats"] as? [Double])?.count, 5)
        let bpd = try XCTUnwrap(json["bpd"] as? Double), nll = try XCTUnwrap(json["nll_nats"] as? Double)
        XCTAssertEqual(bpd, nll / (64 * log(2)), accuracy: 1e-9)
        XCTAssertGreaterThan(bpd, 0)
        // The ensemble is at least as likely as the average order (log-mean-exp >= mean of logs).
        let perOrder = try XCTUnwrap(json["per_order_nll_nats"] as? [Double])
        XCTAssertLessThanOrEqual(nll, perOrder.reduce(0, +) / Double(perOrder.count) + 1e-9)

        r = try Self.runTool(["evaluate", "--checkpoint", checkpoint, "--data", testData, "--json", "--variants", "1",
                              "--order", "raster_scan", "--region", "top", "--binarize-threshold", "128"])
        XCTAssertEqual(r.status, 0, r.stderr)
        json = try parseJSON(r.stdout)
        XCTAssertEqual(json["orders"] as? [String], ["raster_scan"])
        XCTAssertEqual(json["images"] as? Int, 12)
        XCTAssertEqual(json["pixels"] as? Int, 32)
        XCTAssertNil(json["per_image_nll_nats"])
        let regionBPD = try XCTUnwrap(json["bpd"] as? Double)
        XCTAssertEqual(regionBPD, (json["nll_nats"] as! Double) / (32 * log(2)), accuracy: 1e-9)

        r = try Self.runTool(["evaluate", "--checkpoint", checkpoint, "--data", testData, "--limit", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("bpd"), r.stdout)
        XCTAssertTrue(r.stdout.contains("nats per image"), r.stdout)
    }

    // MARK: - Pictures

    func testSampleWritesGrid() throws {
        let out = try scratch() + "/samples.png"
        let r = try Self.runTool(["sample", "--checkpoint", checkpoint, "--count", "3", "--scale", "1", "--seed", "5",
                                  "--variant", "3", "--output", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let image = try PNG.read(contentsOf: out)
        // 2 x 2 cells of 8 pixels with 2-pixel gaps.
        XCTAssertEqual([image.width, image.height], [18, 18])
        let values = Set(image.pixels)
        XCTAssertTrue(values.isSubset(of: [0, 255]), "binarized samples are black or white: \(values)")
    }

    func testCompleteWritesGrid() throws {
        let base = try scratch()
        let out = base + "/completions.png"
        var r = try Self.runTool(["complete", "--checkpoint", checkpoint, "--data", testData, "--count", "2",
                                  "--samples", "2", "--hide", "top", "--scale", "1", "--output", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        var image = try PNG.read(contentsOf: out)
        // Rows: masked input, 2 completions, original, so 4 cells of 8 with 2-pixel gaps; 2 rows.
        XCTAssertEqual([image.width, image.height, image.channels], [38, 18, 3])
        // The masked input shows the hidden (top) pixels in the marking colour, the bottom half as the original.
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(image.pixels[(y * image.width + x) * 3..<(y * image.width + x) * 3 + 3]) }
        XCTAssertEqual(pixel(3, 2), CompletionPicture.hiddenColour)
        for y in 4..<8 { for x in 0..<8 { XCTAssertEqual(pixel(x, y), pixel(30 + x, y)) } }
        // Completions keep the observed (bottom) pixels.
        for y in 4..<8 { for x in 0..<8 { XCTAssertEqual(pixel(10 + x, y), pixel(30 + x, y)) } }

        // A mask picture: its dark pixels (a 3x3 block) are hidden.
        var maskPixels = [UInt8](repeating: 255, count: 64)
        for y in 2..<5 { for x in 3..<6 { maskPixels[y * 8 + x] = 0 } }
        let mask = base + "/mask.png"
        try PNG.write(RGBImage(width: 8, height: 8, channels: 1, pixels: maskPixels), to: mask)
        r = try Self.runTool(["complete", "--checkpoint", checkpoint, "--data", testData, "--indices", "1,4,7",
                              "--samples", "1", "--hide", mask, "--scale", "2", "--output", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        image = try PNG.read(contentsOf: out)
        XCTAssertEqual([image.width, image.height], [3 * 16 + 2 * 2, 3 * 16 + 2 * 2])
        XCTAssertEqual(pixel(2 * 4, 2 * 3), CompletionPicture.hiddenColour)
        XCTAssertNotEqual(pixel(0, 0), CompletionPicture.hiddenColour)
    }

    func testOrdersWritesPictures() throws {
        let base = try scratch()
        var r = try Self.runTool(["orders", "--order", "s_curve", "--size", "8x8", "--cell-size", "4",
                                  "--output", base + "/one.png"])
        XCTAssertEqual(r.status, 0, r.stderr)
        var image = try PNG.read(contentsOf: base + "/one.png")
        XCTAssertEqual([image.width, image.height, image.channels], [32, 32, 3])
        r = try Self.runTool(["orders", "--order", "gilbert2d", "--size", "6x10", "--variants", "8", "--cell-size", "4",
                              "--output", base + "/eight.png"])
        XCTAssertEqual(r.status, 0, "a non-square image has eight variants too (4-7 transpose the 10x6 order)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: base + "/eight.png"))
        r = try Self.runTool(["orders", "--order", "hilbert", "--size", "8x8", "--variants", "8", "--cell-size", "4",
                              "--output", base + "/eight.png"])
        XCTAssertEqual(r.status, 0, r.stderr)
        image = try PNG.read(contentsOf: base + "/eight.png")
        XCTAssertEqual([image.width, image.height], [4 * 32 + 3 * 2, 2 * 32 + 2])
    }

    // MARK: - Bad input: one line on stderr naming the file or option, non-zero exit, no output

    func testMissingDataFile() throws {
        let base = try scratch()
        let missing = base + "/no-such-images.idx"
        var r = try Self.runTool(["train", "--data", missing, "--steps", "1", "--output", base + "/run"] + Self.tinyModel)
        assertFailure(r, mentions: [missing], noOutput: base + "/run")
        r = try Self.runTool(["evaluate", "--checkpoint", checkpoint, "--data", missing])
        assertFailure(r, mentions: [missing])
        r = try Self.runTool(["complete", "--checkpoint", checkpoint, "--data", missing, "--hide", "top",
                              "--output", base + "/c.png"])
        assertFailure(r, mentions: [missing], noOutput: base + "/c.png")
    }

    func testMissingOrDamagedCheckpoint() throws {
        let base = try scratch()
        var r = try Self.runTool(["sample", "--checkpoint", base + "/nope.safetensors", "--count", "1",
                                  "--output", base + "/s.png"])
        assertFailure(r, mentions: [base + "/nope.safetensors"], noOutput: base + "/s.png")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        let damaged = base + "/damaged.safetensors"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: damaged))
        r = try Self.runTool(["sample", "--checkpoint", damaged, "--count", "1", "--output", base + "/s.png"])
        assertFailure(r, mentions: [damaged], noOutput: base + "/s.png")
    }

    func testTruncatedIDX() throws {
        let base = try scratch()
        let truncated = base + "/truncated-images-idx3-ubyte"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: testData))
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: truncated))
        var r = try Self.runTool(["evaluate", "--checkpoint", checkpoint, "--data", truncated, "--json"])
        assertFailure(r, mentions: [truncated, "truncated"])
        XCTAssertEqual(r.stdout, "")
        r = try Self.runTool(["train", "--data", truncated, "--steps", "1", "--output", base + "/run"] + Self.tinyModel)
        assertFailure(r, mentions: [truncated], noOutput: base + "/run")
    }

    func testRegionOutsideTheImage() throws {
        let base = try scratch()
        var r = try Self.runTool(["evaluate", "--checkpoint", checkpoint, "--data", testData, "--region", "0:20,0:4"])
        assertFailure(r, mentions: ["--region", "0:20,0:4"])
        r = try Self.runTool(["complete", "--checkpoint", checkpoint, "--data", testData, "--hide", "2:4,6:9",
                              "--output", base + "/c.png"])
        assertFailure(r, mentions: ["--hide", "2:4,6:9"], noOutput: base + "/c.png")
        r = try Self.runTool(["complete", "--checkpoint", checkpoint, "--data", testData, "--hide", "middle",
                              "--output", base + "/c.png"])
        assertFailure(r, mentions: ["--hide", "middle"], noOutput: base + "/c.png")
        // A mask of the wrong size.
        let mask = base + "/mask.png"
        try PNG.write(RGBImage(width: 4, height: 4, channels: 1, pixels: [UInt8](repeating: 0, count: 16)), to: mask)
        r = try Self.runTool(["complete", "--checkpoint", checkpoint, "--data", testData, "--hide", mask,
                              "--output", base + "/c.png"])
        assertFailure(r, mentions: [mask], noOutput: base + "/c.png")
    }

    func testUnknownOrderName() throws {
        let base = try scratch()
        var r = try Self.runTool(["sample", "--checkpoint", checkpoint, "--count", "1", "--order", "zigzag",
                                  "--output", base + "/s.png"])
        assertFailure(r, mentions: ["--order", "zigzag"], noOutput: base + "/s.png")
        r = try Self.runTool(["train", "--data", trainData, "--order", "zigzag", "--output", base + "/run"])
        assertFailure(r, mentions: ["--order", "zigzag"], noOutput: base + "/run")
        r = try Self.runTool(["evaluate", "--checkpoint", checkpoint, "--data", testData, "--order", "s_curve", "zigzag"])
        assertFailure(r, mentions: ["--order", "zigzag"])
        r = try Self.runTool(["orders", "--order", "zigzag", "--output", base + "/o.png"])
        assertFailure(r, mentions: ["--order", "zigzag"], noOutput: base + "/o.png")
        // hilbert needs a square, power-of-two image.
        r = try Self.runTool(["orders", "--order", "hilbert", "--size", "6x6", "--output", base + "/o.png"])
        assertFailure(r, mentions: ["--order", "hilbert"], noOutput: base + "/o.png")
    }

    // MARK: - Helpers

    /// An IDX image file of `count` images: soft random blobs, so binarisation and likelihoods are not trivial.
    static func idxImages(count: Int, height: Int, width: Int, seed: UInt64) -> [UInt8] {
        var rng = Xoshiro256(seed: seed)
        var bytes: [UInt8] = [0, 0, 8, 3]
        for v in [count, height, width] { bytes += [0, 0, UInt8(v >> 8), UInt8(v & 0xFF)] }
        for _ in 0..<count {
            let cy = Float(rng.nextUniform()) * Float(height), cx = Float(rng.nextUniform()) * Float(width)
            let radius = 1.5 + 2.5 * rng.nextUniform()
            for y in 0..<height {
                for x in 0..<width {
                    let d = ((Float(y) - cy) * (Float(y) - cy) + (Float(x) - cx) * (Float(x) - cx)).squareRoot()
                    let v = max(0, min(255, 255 * (1.2 - d / radius) + 40 * (rng.nextUniform() - 0.5)))
                    bytes.append(UInt8(v))
                }
            }
        }
        return bytes
    }

    static func runTool(_ arguments: [String]) throws -> ToolResult { try runLMConv(arguments) }
}
