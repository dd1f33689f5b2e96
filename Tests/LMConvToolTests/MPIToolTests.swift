import Foundation
import LMConv
import LMConvDistributed
import TestSupport
import XCTest

/// `mpirun -np N lmconv ...` on this machine: the same losses as one process, exact resume with the same number of
/// ranks and correct resume with others, a killed rank ending the job within seconds, sharded evaluation. A build
/// without MPI skips these; a build with MPI but no mpirun fails them (CI installs Open MPI).
final class MPIToolTests: XCTestCase {
    nonisolated(unsafe) static var directory: String?
    /// A tiny model at the paper's learning rate. (At 1e-3 such models amplify rounding-level differences
    /// chaotically: a 1e-7 change of one initial weight alone moves step 15's loss by 1e-3; docs/SCALING.md.)
    static let tiny = ["--filters", "4", "--resnets", "1", "--batch-size", "8", "--binarize", "--dropout", "0.2",
                       "--lr", "2e-4"]

    override class func setUp() {
        super.setUp()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmconv-mpi-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try! Data(ToolTests.idxImages(count: 40, height: 8, width: 8, seed: 3)).write(to: URL(fileURLWithPath: dir + "/train-idx"))
        try! Data(ToolTests.idxImages(count: 13, height: 8, width: 8, seed: 4)).write(to: URL(fileURLWithPath: dir + "/test-idx"))
        directory = dir
    }

    override class func tearDown() {
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
        super.tearDown()
    }

    var dir: String { Self.directory! }
    var train: String { dir + "/train-idx" }

    /// mpirun, or a skip (built without MPI) or a failure (built with MPI, mpirun missing).
    func mpirun(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        switch MPITestAvailability.current {
        case .available(let url): return url
        case .builtWithoutMPI:
            throw XCTSkip("this build has no MPI (Open MPI's ompi.pc was not found when Package.swift was read)")
        case .mpirunMissing:
            XCTFail("built with MPI but mpirun is not on PATH (scripts/setup.sh installs openmpi-bin)", file: file, line: line)
            throw XCTSkip("no mpirun")
        }
    }

    /// Runs `ranks` ranks to completion (at most `timeout` seconds) and asserts success.
    func runRanks(_ ranks: Int, _ arguments: [String], timeout: TimeInterval = 120,
                  file: StaticString = #filePath, line: UInt = #line) throws -> ToolResult {
        let job = try MPIJob(mpirun: try mpirun(), ranks: ranks, arguments)
        let result = try XCTUnwrap(job.wait(timeout: timeout), "mpirun -np \(ranks) did not end in \(timeout) s",
                                   file: file, line: line)
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        return result
    }

    /// train_nll of every step in a run's metrics.jsonl (logged every step).
    func losses(_ run: String) throws -> [Double] {
        try MetricsLog.records(in: URL(fileURLWithPath: run + "/metrics.jsonl")).compactMap { $0["train_nll"] as? Double }
    }

    func weights(_ run: String) throws -> [String: Tensor] {
        try Checkpoint.read(contentsOf: URL(fileURLWithPath: run + "/last.safetensors")).weights
    }

    func assertClose(_ a: [Double], _ b: [Double], relative: Double, _ message: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        for (i, (x, y)) in zip(a, b).enumerated() where !(abs(x - y) <= relative * abs(y)) {
            return XCTFail("\(message): step \(i + 1): \(x) vs \(y)", file: file, line: line)
        }
    }

    func testTwoRanksFollowOneProcessAndResumeExactlyWithTwoAndCorrectlyWithOneOrFour() throws {
        _ = try mpirun()
        let args = ["train", "--data", train, "--steps", "20", "--log-every", "1", "--checkpoint-every", "10"] + Self.tiny
        let one = try runLMConv(args + ["--output", dir + "/one"])
        XCTAssertEqual(one.status, 0, one.stderr)
        let two = try runRanks(2, args + ["--output", dir + "/two"])
        XCTAssertTrue(two.stderr.contains("ranks: 2 (MPI)"), two.stderr)
        XCTAssertEqual(two.stdout.components(separatedBy: "wrote ").count, 2, "rank 0 alone prints: \(two.stdout)")
        let oneLosses = try losses(dir + "/one"), twoLosses = try losses(dir + "/two")
        XCTAssertEqual(oneLosses.count, 20)
        assertClose(twoLosses, oneLosses, relative: 1e-4, "2 ranks vs 1")

        // Stopped at step 10 with 2 ranks, then resumed with 2 (exact), 1 or 4 (the same up to summation order).
        var halfArgs = args
        halfArgs[halfArgs.firstIndex(of: "20")!] = "10"
        _ = try runRanks(2, halfArgs + ["--output", dir + "/half"])
        for ranks in [2, 1, 4] {
            let run = dir + "/resumed-\(ranks)"
            try FileManager.default.copyItem(atPath: dir + "/half", toPath: run)
            let resume = ["train", "--resume", "--steps", "20", "--output", run]
            if ranks == 1 {
                let r = try runLMConv(resume)
                XCTAssertEqual(r.status, 0, r.stderr)
            } else {
                _ = try runRanks(ranks, resume)
            }
            if ranks == 2 {
                XCTAssertEqual(try losses(run), twoLosses, "2 ranks resumed by 2 ranks: the same bits")
                XCTAssertEqual(try weights(run), try weights(dir + "/two"))
            } else {
                assertClose(try losses(run), oneLosses, relative: 1e-4, "2 ranks resumed by \(ranks)")
            }
        }
    }

    func testAKilledRankEndsTheJobWithinSecondsAndTheCheckpointResumes() throws {
        let run = dir + "/killed"
        let job = try MPIJob(mpirun: try mpirun(), ranks: 2,
                             ["train", "--data", train, "--steps", "100000", "--checkpoint-every", "1",
                              "--output", run] + Self.tiny)
        let last = run + "/last.safetensors"
        let started = Date()
        while !FileManager.default.fileExists(atPath: last) && job.process.isRunning && Date().timeIntervalSince(started) < 60 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: last), "no checkpoint within 60 s")
        Thread.sleep(forTimeInterval: 0.3)
        let rank1 = try XCTUnwrap(job.rankProcessIDs()[1], "rank 1's process not found")
        kill(rank1, SIGKILL)
        let killed = Date()
        let result = try XCTUnwrap(job.wait(timeout: 30), "the job did not end within 30 s of killing rank 1")
        let seconds = Date().timeIntervalSince(killed)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("error: rank 0 of 2: stopped by a termination signal"), result.stderr)
        print("a killed rank ended the job in \(String(format: "%.2f", seconds)) s")

        let checkpoint = try Checkpoint.read(contentsOf: URL(fileURLWithPath: last))
        let step = try XCTUnwrap(checkpoint.training?.step)
        let resumed = try runLMConv(["train", "--resume", "--steps", "\(step + 2)", "--output", run])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try Checkpoint.read(contentsOf: URL(fileURLWithPath: last)).training?.step, step + 2)
    }

    func testEvaluateSplitBetweenThreeRanksGivesOneProcessesNumbers() throws {
        _ = try mpirun()
        let run = dir + "/for-evaluate"
        let trained = try runLMConv(["train", "--data", train, "--steps", "2", "--output", run] + Self.tiny)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let args = ["evaluate", "--checkpoint", run + "/last.safetensors", "--data", dir + "/test-idx", "--json",
                    "--per-image", "--variants", "2", "--batch-size", "4", "--seed", "7"]
        let one = try runLMConv(args)
        XCTAssertEqual(one.status, 0, one.stderr)
        let three = try runRanks(3, args)
        func parse(_ text: String) throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
        }
        let a = try parse(one.stdout), b = try parse(three.stdout)   // one JSON object: rank 0 alone prints
        let perImageA = try XCTUnwrap(a["per_image_nll_nats"] as? [Double])
        let perImageB = try XCTUnwrap(b["per_image_nll_nats"] as? [Double])
        XCTAssertEqual(perImageA.count, 13)
        assertClose(perImageB, perImageA, relative: 1e-9, "per-image NLL, 3 ranks vs 1")
        assertClose([try XCTUnwrap(b["bpd"] as? Double)], [try XCTUnwrap(a["bpd"] as? Double)], relative: 1e-9, "bpd")
    }
}
