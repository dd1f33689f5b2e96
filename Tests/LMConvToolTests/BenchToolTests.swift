import Foundation
import TestSupport
import XCTest

/// `lmconv bench --json` on a tiny model: one JSON object with every figure the benchmark promises.
final class BenchToolTests: XCTestCase {
    func testBenchJSONHasEveryFigure() throws {
        let result = try runLMConv(["bench", "--size", "6x6", "--filters", "4", "--resnets", "1", "--batch-size", "2",
                                    "--steps", "1", "--warmup", "0", "--naive-steps", "3", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        for key in ["train_step_s", "forward_s", "train_images_per_s", "gflop_per_train_step",
                    "gflop_per_train_step_all_taps", "train_gflops",
                    "sgemm_gflops", "efficiency", "peak_rss_mb", "sample_batch_s", "naive_sample_batch_s"] {
            let value = (json[key] as? NSNumber)?.doubleValue
            XCTAssertNotNil(value, "missing \(key)")
            XCTAssertGreaterThan(value ?? 0, 0, key)
        }
        // The GEMM work at every tap is counted from the shapes: check it against a hand count for this tiny model.
        let (F, N, KK) = (4.0, 2.0 * 36, 9.0)
        let forward = 2 * N * (2 * KK * F                     // u_init, 2 -> F
                               + 8 * (2 * F * KK * F + 2 * F * KK * 2 * F)   // 3 up + 5 down gated resnets
                               + 5 * (2 * F * F)              // nin_skip of the down resnets
                               + 4 * (F * KK * F)             // downsize, upsize
                               + F * 2)                       // nin_out, F -> 2 logits
        let allTaps = (json["gflop_per_train_step_all_taps"] as! NSNumber).doubleValue
        assertClose(Float(allTaps), Float(3 * forward / 1e9), relativeTolerance: 1e-6)
        // At the taps the S-curve's masks open: less, but more than the nin layers' share alone.
        let openTaps = (json["gflop_per_train_step"] as! NSNumber).doubleValue
        XCTAssertLessThan(openTaps, 0.8 * allTaps)
        XCTAssertGreaterThan(openTaps, 0.3 * allTaps)
    }
}
