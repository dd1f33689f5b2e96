import Foundation
import LMConv
import TestSupport
import XCTest

/// The tool with the PixelCNN++ baseline: evaluate, import, sample and complete, run as the built executable.
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

    /// A region's NLL under PixelCNN++ is raster order's: the top half given nothing and the bottom half given the
    /// top add up to the whole image's NLL, image by image.
    func testRegionLikelihoodIsRasterOrders() throws {
        func perImage(_ extra: [String]) throws -> [Double] {
            let r = try runLMConv(["evaluate", "--checkpoint", path("checkpoint.pth"), "--data", path("images.idx"),
                                   "--json", "--per-image"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            return json["per_image_nll_nats"] as! [Double]
        }
        let whole = try perImage([]), top = try perImage(["--region", "top"]), bottom = try perImage(["--region", "bottom"])
        XCTAssertEqual(whole.count, top.count)
        for i in whole.indices { XCTAssertEqual(top[i] + bottom[i], whole[i], accuracy: 1e-6 * whole[i]) }
        XCTAssertTrue(zip(top, whole).allSatisfy { $0 < $1 })
    }

    func testRefusesWhatRasterOrderCannotDo() throws {
        let base = ["evaluate", "--checkpoint", path("checkpoint.pth"), "--data", path("images.idx")]
        assertFailure(try runLMConv(base + ["--region", "top", "--context", "observed"]), mentions: ["--context", "PixelCNN++"])
        assertFailure(try runLMConv(base + ["--region", "top", "--order-indices", "0"]), mentions: ["--context", "PixelCNN++"])
        assertFailure(try runLMConv(base + ["--order", "s_curve"]), mentions: ["--order", "PixelCNN++"])
        assertFailure(try runLMConv(base + ["--variants", "8"]), mentions: ["--variants", "PixelCNN++"])
        let png = directory.appendingPathComponent("s.png").path
        let sample = ["sample", "--checkpoint", path("checkpoint.pth"), "--count", "1", "--output", png]
        assertFailure(try runLMConv(sample + ["--order", "hilbert"]), mentions: ["--order", "PixelCNN++"], noOutput: png)
        assertFailure(try runLMConv(sample + ["--size", "8x8"]), mentions: ["--size", "28x28"], noOutput: png)
    }

    /// A tiny baseline (1x5x6) written as a checkpoint: samples from it are deterministic for a seed.
    func testSamplesFromATinyBaselineDeterministically() throws {
        let cfg = ModelConfiguration(channels: 1, height: 5, width: 6, binarize: false, filters: 4, resnets: 1, mixtures: 2,
                                     normalization: .weightNorm, network: .pixelCNNPlusPlus)
        let model = try PixelCNNPlusPlus(configuration: cfg, seed: 7)
        let checkpoint = directory.appendingPathComponent("tiny.safetensors")
        try Checkpoint(configuration: cfg, orders: OrderSpecification(names: ["raster_scan"], variants: 1),
                       weights: model.namedWeights()).write(to: checkpoint)
        func sample(seed: Int, to name: String) throws -> Data {
            let png = directory.appendingPathComponent(name)
            let r = try runLMConv(["sample", "--checkpoint", checkpoint.path, "--count", "3", "--seed", "\(seed)",
                                   "--output", png.path])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("30 whole forward passes"), "the cost note: \(r.stderr)")
            return try Data(contentsOf: png)
        }
        let first = try sample(seed: 1, to: "a.png")
        XCTAssertEqual(try sample(seed: 1, to: "b.png"), first, "the same seed draws the same images")
        XCTAssertNotEqual(try sample(seed: 2, to: "c.png"), first, "another seed draws other images")
    }

    /// Completing the end of the last row of the reference checkpoint's images: one pass per hidden pixel, fixed by the seed.
    func testCompletesInRasterOrder() throws {
        func complete(seed: Int, to name: String, extra: [String] = []) throws -> ToolResult {
            try runLMConv(["complete", "--checkpoint", path("checkpoint.pth"), "--data", path("images.idx"),
                           "--count", "2", "--samples", "2", "--hide", "27:28,20:28", "--seed", "\(seed)",
                           "--output", directory.appendingPathComponent(name).path] + extra)
        }
        let r = try complete(seed: 1, to: "a.png")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("; 8 whole forward passes"), "the cost note: \(r.stderr)")
        XCTAssertEqual(try complete(seed: 1, to: "b.png").status, 0)
        let a = try Data(contentsOf: directory.appendingPathComponent("a.png"))
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("b.png")), a, "same seed, same picture")
        let png = directory.appendingPathComponent("c.png").path
        assertFailure(try complete(seed: 1, to: "c.png", extra: ["--context", "observed"]),
                      mentions: ["--context", "PixelCNN++"], noOutput: png)
        assertFailure(try complete(seed: 1, to: "c.png", extra: ["--order", "hilbert"]),
                      mentions: ["--order", "PixelCNN++"], noOutput: png)
    }
}
