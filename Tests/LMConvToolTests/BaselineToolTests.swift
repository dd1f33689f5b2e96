import Foundation
import LMConv
import TestSupport
import XCTest

/// The tool with the PixelCNN++ baseline: evaluate and import, run as the built executable.
final class BaselineToolTests: XCTestCase {
    private var directory: URL!
    private let fixture = fixturesDirectory.appendingPathComponent("baseline-gray-28")

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("BaselineToolTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ file: String) -> String { fixture.appendingPathComponent(file).path }

    private func expectedNLL() throws -> [Double] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.appendingPathComponent("expected.json")))
        return try XCTUnwrap((json as? [String: Any])?["nll_nats_per_image"] as? [Double])
    }

    private func evaluate(_ checkpoint: String) throws -> [String: Any] {
        let r = try runLMConv(["evaluate", "--checkpoint", checkpoint, "--data", path("images.idx"), "--json", "--per-image"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try parseJSON(r.stdout)
    }

    func testEvaluatesTheReferenceBaselineCheckpoint() throws {
        let json = try evaluate(path("checkpoint.pth"))
        let nll = try XCTUnwrap(json["per_image_nll_nats"] as? [Double])
        let expected = try expectedNLL()
        XCTAssertEqual(nll.count, expected.count)
        for (got, want) in zip(nll, expected) {
            XCTAssertEqual(got, want, accuracy: 1e-4 * abs(want), "per-image NLL against the reference's")
        }
        XCTAssertEqual(json["orders"] as? [String], ["raster_scan"])
        XCTAssertEqual(json["images"] as? Int, expected.count)
        XCTAssertEqual(json["dimensions"] as? Int, 28 * 28)
    }

    func testImportedBaselineEvaluatesTheSame() throws {
        let output = directory.appendingPathComponent("baseline.safetensors")
        let r = try runLMConv(["import", path("checkpoint.pth"), "--output", output.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("raster_scan"), r.stdout)
        let read = try Checkpoint.read(contentsOf: output)
        XCTAssertEqual(read.configuration.network, .pixelCNNPlusPlus)
        let fromPTH = try evaluate(path("checkpoint.pth"))
        let fromSafetensors = try evaluate(output.path)
        XCTAssertEqual(fromSafetensors["per_image_nll_nats"] as? [Double], fromPTH["per_image_nll_nats"] as? [Double])
        XCTAssertEqual(fromSafetensors["bpd"] as? Double, fromPTH["bpd"] as? Double)
    }

    func testRefusesWhatRasterOrderCannotDo() throws {
        let base = ["evaluate", "--checkpoint", path("checkpoint.pth"), "--data", path("images.idx")]
        assertFailure(try runLMConv(base + ["--region", "top"]), mentions: ["--region", "PixelCNN++"])
        assertFailure(try runLMConv(base + ["--order", "s_curve"]), mentions: ["--order", "PixelCNN++"])
        assertFailure(try runLMConv(base + ["--variants", "8"]), mentions: ["--variants", "PixelCNN++"])
    }
}
