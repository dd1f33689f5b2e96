import Foundation
import LMConv
import TestSupport
import XCTest

/// `lmconv evaluate --region` by the reference's protocol reproduces the reference's per-image region NLLs
/// (Tests/Fixtures/*/region.json, made by Tests/Fixtures/tools/make_region_fixtures.py with the paper's code): the
/// chosen orders' own masks, the output read at the region, the ensemble over the orders.
final class RegionProtocolToolTests: XCTestCase {
    func check(_ folder: String, images: String, extra: [String] = []) throws {
        let directory = fixturesDirectory.appendingPathComponent(folder)
        let expected = try JSONSerialization.jsonObject(
            with: Data(contentsOf: directory.appendingPathComponent("region.json"))) as! [String: Any]
        let rows = expected["region_rows"] as! [Int], cols = expected["region_cols"] as! [Int]
        let indices = expected["order_indices"] as! [Int], moved = expected["moved_to_end"] as! Bool
        let region = "\(rows[0]):\(rows[1]),\(cols[0]):\(cols[1])"
        func run(_ orderIndices: [Int]) throws -> ([Float], ToolResult) {
            let r = try runLMConv(["evaluate", "--checkpoint", directory.appendingPathComponent("checkpoint.pth").path,
                                   "--data", directory.appendingPathComponent(images).path, "--region", region,
                                   "--order-indices", orderIndices.map(String.init).joined(separator: ","),
                                   "--json", "--per-image"] + (moved ? ["--move-region-last"] : []) + extra)
            XCTAssertEqual(r.status, 0, "\(folder): \(r.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            XCTAssertEqual(json["context"] as? String, "reference")
            return ((json["per_image_nll_nats"] as! [NSNumber]).map(\.floatValue), r)
        }
        let (ensemble, _) = try run(indices)
        let expectedEnsemble = (expected["nll_nats_per_image_ensemble"] as! [NSNumber]).map(\.floatValue)
        assertClose(ensemble, expectedEnsemble, relativeTolerance: 1e-4, "\(folder): per-image region ensemble NLL")
        let perOrder = expected["nll_nats_per_image_per_order"] as! [[NSNumber]]
        for (k, index) in indices.enumerated() {
            let (one, _) = try run([index])
            assertClose(one, perOrder.map { $0[k].floatValue }, relativeTolerance: 1e-4,
                        "\(folder): per-image region NLL under order \(index)")
        }
    }

    func testBinaryTopHalfWithOrders1And3() throws {
        try check("binary-28", images: "images.idx", extra: ["--binarize-threshold", "128"])
    }

    func testGrayBottomHalf() throws { try check("gray-28", images: "images.idx") }

    /// No Hilbert variant generates the top half last: the region is moved to the end of each (as the reference's
    /// move_to_end does), which an order given by index must ask for.
    func testRGBTopHalfMovedToTheEnd() throws {
        try check("rgb-32", images: "images.bin")
        let directory = fixturesDirectory.appendingPathComponent("rgb-32")
        let r = try runLMConv(["evaluate", "--checkpoint", directory.appendingPathComponent("checkpoint.pth").path,
                               "--data", directory.appendingPathComponent("images.bin").path, "--region", "0:16,0:32",
                               "--order-indices", "0,5", "--json"])
        assertFailure(r, mentions: ["--order-indices", "does not generate the region last", "--move-region-last"])
        let far = try runLMConv(["evaluate", "--checkpoint", directory.appendingPathComponent("checkpoint.pth").path,
                                 "--data", directory.appendingPathComponent("images.bin").path, "--region", "top",
                                 "--order-indices", "9", "--json"])
        assertFailure(far, mentions: ["--order-indices", "9"])
    }
}
