import Foundation
import LMConv
import TestSupport
import XCTest

/// `lmconv import`, run as the built executable.
final class ImportToolTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ImportToolTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func run(_ arguments: [String]) throws -> ToolResult { try runLMConv(arguments) }

    private func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: true)
    }

    func testImportsTheReferenceCheckpoint() throws {
        let input = fixturesDirectory.appendingPathComponent("binary-28/checkpoint.pth")
        let output = directory.appendingPathComponent("binary.safetensors")
        let result = try run(["import", input.path, "--output", output.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let summary = lines(result.stdout)
        XCTAssertEqual(summary.count, 1, result.stdout)
        for fragment in ["1x28x28 binarized", "nr_filters 8", "nr_resnet 1", "pono", "s_curve x8", "(8 orders)",
                         "31068 parameters"] {
            XCTAssertTrue(result.stdout.contains(fragment), "'\(result.stdout)' lacks '\(fragment)'")
        }

        let checkpoint = try Checkpoint.read(contentsOf: output)
        let fixture = try ReferenceFixture("binary-28")
        XCTAssertEqual(checkpoint.configuration, fixture.configuration)
        XCTAssertEqual(checkpoint.orders, OrderSpecification(names: ["s_curve"], variants: 8))
        let model = try checkpoint.makeModel()
        XCTAssertEqual(model.parameters.totalCount, 31068)
        for (name, tensor) in fixture.weights.tensors {
            XCTAssertEqual(checkpoint.weights[name]?.scalars, try tensor.floats(), name)
        }
    }

    func testOverridesAndLegacyFormat() throws {
        let input = fixturesDirectory.appendingPathComponent("binary-28/checkpoint_legacy.pth")
        let output = directory.appendingPathComponent("legacy.safetensors")
        let result = try run(["import", input.path, "-o", output.path, "--order", "raster_scan", "s_curve",
                              "--variants", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        // Differing from the saved args is allowed, with one warning line.
        XCTAssertEqual(lines(result.stderr).count, 1, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("warning: "), result.stderr)
        let checkpoint = try Checkpoint.read(contentsOf: output)
        XCTAssertEqual(checkpoint.orders, OrderSpecification(names: ["raster_scan", "s_curve"], variants: 1))
    }

    func testOrderVariantsOption() throws {
        let input = fixturesDirectory.appendingPathComponent("binary-28/checkpoint.pth")
        let output = directory.appendingPathComponent("selected.safetensors")
        let result = try run(["import", input.path, "--output", output.path, "--order-variants", "1", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("order_variants 1 3 (2 orders)"), result.stdout)
        let orders = try Checkpoint.read(contentsOf: output).orders
        XCTAssertEqual(orders, OrderSpecification(names: ["s_curve"], variants: 8, selection: [1, 3]))
        XCTAssertEqual(try orders.orders(height: 28, width: 28),
                       [try ReferenceFixture("binary-28").order(1), try ReferenceFixture("binary-28").order(3)])
        try FileManager.default.removeItem(at: output)   // assertFails checks that no .safetensors is left
        let bad = directory.appendingPathComponent("bad.safetensors")
        try assertFails(["import", input.path, "--output", bad.path, "--order-variants", "8"], output: bad,
                        mentions: "order_variants [8]")
    }

    /// Bad input: one line on stderr, a non-zero exit status and no output file.
    private func assertFails(_ arguments: [String], output: URL, mentions fragment: String,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try run(arguments)
        XCTAssertNotEqual(result.status, 0, file: file, line: line)
        XCTAssertEqual(lines(result.stderr).count, 1, "stderr: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(fragment), "'\(result.stderr)' lacks '\(fragment)'", file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "output written", file: file, line: line)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".safetensors") || $0.contains(output.lastPathComponent) }
        XCTAssertEqual(leftovers, [], "temporary files left behind", file: file, line: line)
    }

    func testMissingTruncatedAndMismatchedInputs() throws {
        let output = directory.appendingPathComponent("out.safetensors")
        let missing = directory.appendingPathComponent("absent.pth")
        try assertFails(["import", missing.path, "--output", output.path], output: output, mentions: "absent.pth")

        let bytes = try Data(contentsOf: fixturesDirectory.appendingPathComponent("binary-28/checkpoint.pth"))
        let truncated = directory.appendingPathComponent("truncated.pth")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        try assertFails(["import", truncated.path, "--output", output.path], output: output, mentions: "truncated")

        let legacy = try Data(contentsOf: fixturesDirectory.appendingPathComponent("binary-28/checkpoint_legacy.pth"))
        let truncatedLegacy = directory.appendingPathComponent("truncated_legacy.pth")
        try legacy.prefix(legacy.count - 100).write(to: truncatedLegacy)
        try assertFails(["import", truncatedLegacy.path, "--output", output.path], output: output,
                        mentions: "truncated")

        // A valid checkpoint that does not fit the requested orders, and one without EMA weights.
        let input = fixturesDirectory.appendingPathComponent("binary-28/checkpoint.pth").path
        try assertFails(["import", input, "--output", output.path, "--order", "hilbert"], output: output,
                        mentions: "power-of-two")
        try assertFails(["import", input, "--output", output.path, "--ema"], output: output,
                        mentions: "ema_state_dict")
        try assertFails(["import", input, "--output", output.path, "--normalization", "batch"], output: output,
                        mentions: "--normalization")
    }
}

/// The reference's own checkpoints evaluated through the command line reproduce the reference's numbers.
final class TorchCheckpointEvaluationToolTests: XCTestCase {
    func evaluate(_ folder: String, checkpoint: String, images: String, extra: [String] = []) throws {
        let directory = fixturesDirectory.appendingPathComponent(folder)
        let result = try runLMConv(["evaluate", "--checkpoint", directory.appendingPathComponent(checkpoint).path,
                                    "--data", directory.appendingPathComponent(images).path, "--json", "--per-image"]
                                   + extra)
        XCTAssertEqual(result.status, 0, "\(folder)/\(checkpoint): \(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let ours = (json["per_image_nll_nats"] as! [NSNumber]).map(\.floatValue)
        let expectedJSON = try JSONSerialization.jsonObject(
            with: Data(contentsOf: directory.appendingPathComponent("expected.json"))) as! [String: Any]
        let expected = (expectedJSON["nll_nats_per_image_ensemble"] as! [NSNumber]).map(\.floatValue)
        assertClose(ours, expected, relativeTolerance: 1e-4, "\(folder)/\(checkpoint) per-image ensemble NLL")
        assertClose((json["bpd"] as! NSNumber).floatValue, (expectedJSON["ensemble_bpd"] as! NSNumber).floatValue,
                    relativeTolerance: 1e-4, "\(folder) ensemble bpd")
        XCTAssertEqual((json["orders"] as! [Any]).count, (expectedJSON["orders"] as! [Any]).count)
    }

    func testBinaryZipAndLegacyCheckpoints() throws {
        // The fixtures binarise at a fixed threshold (v >= 128) rather than dynamically.
        try evaluate("binary-28", checkpoint: "checkpoint.pth", images: "images.idx", extra: ["--binarize-threshold", "128"])
        try evaluate("binary-28", checkpoint: "checkpoint_legacy.pth", images: "images.idx",
                     extra: ["--binarize-threshold", "128"])
    }

    func testGrayCheckpoint() throws { try evaluate("gray-28", checkpoint: "checkpoint.pth", images: "images.idx") }
    func testRGBCheckpoint() throws { try evaluate("rgb-32", checkpoint: "checkpoint.pth", images: "images.bin") }
}
