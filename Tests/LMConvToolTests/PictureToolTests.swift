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
        let baseline = fixturesDirectory.appendingPathComponent("baseline-gray-28/checkpoint.pth").path
        assertFailure(try runLMConv(["masks", "--checkpoint", baseline, "--output", bad]),
                      mentions: ["--checkpoint", "PixelCNN++"], noOutput: bad)
    }
}
