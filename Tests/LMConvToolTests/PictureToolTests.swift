import Foundation
import LMConv
import TestSupport
import XCTest

/// `lmconv masks` and `lmconv plot`, run as the built executable; the pictures are read back and checked.
final class PictureToolTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("PictureToolTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func temp(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func colour(_ image: RGBImage, _ x: Int, _ y: Int) -> [UInt8] {
        let i = (y * image.width + x) * image.channels
        return Array(image.pixels[i..<(i + image.channels)])
    }

    /// Every tap of every location in the grid picture shows its mask value (or that it lies outside the image).
    func testMaskGridShowsEveryTap() throws {
        for (layer, type, dilation) in [("init", MaskType.a, 1), ("dilated", MaskType.b, 2)] {
            let out = temp("grid-\(layer).png")
            let r = try runLMConv(["masks", "--order", "hilbert", "--variant", "5", "--size", "8x8", "--kernel-size", "3",
                                   "--max-dilation", "2", "--layer", layer, "--cell-size", "3", "--output", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            let picture = try PNG.read(contentsOf: out)
            let order = try GenerationOrder(named: "hilbert", height: 8, width: 8).variant(5)
            let mask = try kernelMask(order: order, kernelSize: 3, dilation: dilation, type: type)
            var counts = [0, 0, 0]
            for q in 0..<64 {
                for jr in 0..<3 {
                    for jc in 0..<3 {
                        let (row, col) = (q / 8, q % 8)
                        let (x, y) = MaskPicture.gridTapOrigin(row: row, col: col, tapRow: jr, tapCol: jc, kernelSize: 3,
                                                               tapSize: 3)
                        let (rr, cc) = (row + (jr - 1) * dilation, col + (jc - 1) * dilation)
                        let expected: [UInt8] = !((0..<8).contains(rr) && (0..<8).contains(cc)) ? [215, 215, 215]
                            : mask.scalars[(jr * 3 + jc) * 64 + q] > 0.5 ? [253, 231, 37] : [68, 1, 84]
                        XCTAssertEqual(colour(picture, x + 1, y + 1), expected, "\(layer) location \(q) tap \(jr),\(jc)")
                        counts[expected[0] == 215 ? 0 : expected[0] == 253 ? 1 : 2] += 1
                    }
                }
            }
            XCTAssertTrue(counts.allSatisfy { $0 > 0 }, "all three kinds of tap occur: \(counts)")
        }
    }

    func testMaskLocationsFromACheckpointAndBadInput() throws {
        let checkpoint = fixturesDirectory.appendingPathComponent("binary-28/checkpoint.pth").path
        let out = temp("at.png")
        let r = try runLMConv(["masks", "--checkpoint", checkpoint, "--order-index", "6", "--layer", "undilated",
                               "--at", "0,0", "13,20", "27,27", "--output", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("wrote"))
        XCTAssertGreaterThan(try PNG.read(contentsOf: out).width, 3 * 28 * 4)
        let bad = temp("bad.png")
        assertFailure(try runLMConv(["masks", "--checkpoint", checkpoint, "--order-index", "8", "--output", bad]),
                      mentions: ["--order-index", "8 orders"], noOutput: bad)
        assertFailure(try runLMConv(["masks", "--order", "s_curve", "--at", "3,28", "--output", bad]),
                      mentions: ["--at", "3,28", "outside"], noOutput: bad)
        assertFailure(try runLMConv(["masks", "--order", "s_curve", "--layer", "middle", "--output", bad]),
                      mentions: ["--layer"], noOutput: bad)
        assertFailure(try runLMConv(["masks", "--checkpoint", checkpoint, "--kernel-size", "5", "--output", bad]),
                      mentions: ["--order-index"], noOutput: bad)
        let baseline = fixturesDirectory.appendingPathComponent("baseline-gray-28/checkpoint.pth").path
        assertFailure(try runLMConv(["masks", "--checkpoint", baseline, "--output", bad]),
                      mentions: ["--checkpoint", "PixelCNN++"], noOutput: bad)
    }

    // MARK: - plot

    private func writeMetrics(_ name: String, _ lines: [String]) throws -> String {
        let dir = temp(name)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/metrics.jsonl", atomically: true, encoding: .utf8)
        return dir
    }

    func testLearningCurvesFromTheRecords() throws {
        let a = try writeMetrics("run-a", [
            #"{"step":10,"epoch":0,"train_bpd":0.9,"images_per_s":10}"#,
            #"{"step":15,"test_bpd":0.8,"best":true}"#,
            #"{"step":20,"epoch":0,"train_bpd":0.7,"images_per_s":20}"#,
            #"{"step":30,"test_bpd":0.6,"best":true}"#,
            #"{"step":25,"torn"#,
        ])
        let byStep = try LearningCurve(metrics: URL(fileURLWithPath: a + "/metrics.jsonl"), key: "test_bpd", x: .step)
        XCTAssertEqual(byStep.points.map(\.x), [15, 30])
        XCTAssertEqual(byStep.points.map(\.y), [0.8, 0.6])
        // 10 steps of 4 images at 10 images/s: 4 s; 10 more at 20 images/s: 2 s more. Step 15 lies halfway.
        let byTime = try LearningCurve(metrics: URL(fileURLWithPath: a + "/metrics.jsonl"), key: "test_bpd", x: .time,
                                       batchSize: 4)
        XCTAssertEqual(byTime.points.map(\.x), [5, 6])
        let train = try LearningCurve(metrics: URL(fileURLWithPath: a + "/metrics.jsonl"), key: "train_bpd", x: .time,
                                      batchSize: 4)
        XCTAssertEqual(train.points.map(\.x), [4, 6])
        let b = try writeMetrics("run-b", [#"{"step":5,"test_bpd":1.2,"elapsed_s":30}"#,
                                           #"{"step":50,"test_bpd":0.5,"elapsed_s":90}"#])
        let elapsed = try LearningCurve(metrics: URL(fileURLWithPath: b + "/metrics.jsonl"), key: "test_bpd", x: .time)
        XCTAssertEqual(elapsed.points.map(\.x), [30, 90])
    }

    func testPlotOfTwoRunsAndBadInput() throws {
        let a = try writeMetrics("run-a", [#"{"step":10,"train_bpd":0.9,"images_per_s":10}"#,
                                           #"{"step":20,"test_bpd":0.8}"#, #"{"step":40,"test_bpd":0.7}"#])
        let b = try writeMetrics("run-b", [#"{"step":10,"test_bpd":1.1}"#, #"{"step":30,"test_bpd":0.75}"#])
        let out = temp("curves.png")
        let r = try runLMConv(["plot", a, b + "/metrics.jsonl", "--output", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("2 curves, 2, 2 points"), r.stdout)
        let picture = try PNG.read(contentsOf: out)
        var colours = Set<[UInt8]>()
        for y in 0..<picture.height { for x in 0..<picture.width { colours.insert(colour(picture, x, y)) } }
        XCTAssertTrue(colours.contains([31, 119, 180]) && colours.contains([255, 127, 14]), "both curves' colours")

        let bad = temp("bad.png")
        assertFailure(try runLMConv(["plot", a, "--y", "test_nll", "--output", bad]),
                      mentions: ["run-a/metrics.jsonl", "test_nll", "train_bpd"], noOutput: bad)
        assertFailure(try runLMConv(["plot", a, "--x", "time", "--output", bad]),
                      mentions: ["run-a/metrics.jsonl", "batch size"], noOutput: bad)
        assertFailure(try runLMConv(["plot", temp("absent"), "--output", bad]), mentions: ["absent"], noOutput: bad)
        assertFailure(try runLMConv(["plot", a, b, "--label", "one", "--output", bad]), mentions: ["--label"], noOutput: bad)
        XCTAssertEqual(try runLMConv(["plot", a, "--x", "time", "--batch-size", "4", "--output", out]).status, 0)
    }
}
