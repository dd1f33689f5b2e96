import Foundation
import LMConv
import TestSupport
import XCTest

/// The reference's sampling options through the tool: `--mixture-temperature`, `--no-quantize` and the
/// `random_near_center` region of `complete` and `evaluate`.
final class SamplingOptionsToolTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("SamplingOptionsToolTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func fixture(_ path: String) -> String { fixturesDirectory.appendingPathComponent(path).path }
    private func temp(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func sample(_ extra: [String], _ name: String) throws -> Data {
        let out = temp(name)
        let r = try runLMConv(["sample", "--checkpoint", fixture("gray-28/checkpoint.pth"), "--count", "2",
                               "--size", "6x6", "--seed", "2", "--output", out] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try Data(contentsOf: URL(fileURLWithPath: out))
    }

    func testSampleTemperaturesAndNoQuantize() throws {
        let plain = try sample([], "plain.png")
        XCTAssertEqual(plain, try sample(["--mixture-temperature", "1", "--logistic-temperature", "1"], "same.png"))
        XCTAssertNotEqual(plain, try sample(["--mixture-temperature", "0.5"], "mixture.png"))
        XCTAssertNotEqual(plain, try sample(["--temperature", "0.5"], "logistic.png"))
        _ = try sample(["--no-quantize"], "continuous.png")
        _ = try sample(["--no-quantize", "--naive"], "continuous-naive.png")
        let bad = temp("bad.png")
        assertFailure(try runLMConv(["sample", "--checkpoint", fixture("gray-28/checkpoint.pth"), "--count", "1",
                                     "--mixture-temperature", "0", "--output", bad]),
                      mentions: ["--mixture-temperature"], noOutput: bad)
        // The baseline takes the options too (a completion of three pixels: three whole forward passes).
        let baseline = temp("baseline.png")
        let r = try runLMConv(["complete", "--checkpoint", fixture("baseline-gray-28/checkpoint.pth"), "--data",
                               fixture("baseline-gray-28/images.idx"), "--count", "1", "--samples", "1", "--hide",
                               "0:1,0:3", "--mixture-temperature", "2", "--no-quantize", "--output", baseline])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testRandomNearCenterRegionForEvaluateAndComplete() throws {
        let images = fixture("binary-28/images.idx"), checkpoint = fixture("binary-28/checkpoint.pth")
        func evaluate(_ region: String, seed: String = "3") throws -> [String: Any] {
            let r = try runLMConv(["evaluate", "--checkpoint", checkpoint, "--data", images, "--region", region,
                                   "--seed", seed, "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            return try parseJSON(r.stdout)
        }
        let random = try evaluate("random_near_center:8x8")
        XCTAssertEqual(random["pixels"] as? Int, 64)
        // The same box written out: the same numbers.
        var rng = Xoshiro256(seed: 3)
        let region = randomNearCenterRegion(height: 28, width: 28, boxRows: 8, boxCols: 8, rng: &rng)
        let inside = (0..<784).filter { region[$0] }
        let (r0, c0) = (inside.map { $0 / 28 }.min()!, inside.map { $0 % 28 }.min()!)
        let box = try evaluate("\(r0):\(r0 + 8),\(c0):\(c0 + 8)")
        XCTAssertEqual(random["nll_nats"] as? Double, box["nll_nats"] as? Double)
        XCTAssertEqual(random["orders"] as? [String], box["orders"] as? [String])

        let out = temp("completed.png")
        let r = try runLMConv(["complete", "--checkpoint", checkpoint, "--data", images, "--count", "1",
                               "--samples", "1", "--hide", "random_near_center:5x5", "--output", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out))
        let bad = temp("bad.png")
        assertFailure(try runLMConv(["complete", "--checkpoint", checkpoint, "--data", images, "--hide",
                                     "random_near_center:5", "--output", bad]),
                      mentions: ["--hide", "random_near_center:RxC"], noOutput: bad)
    }
}
