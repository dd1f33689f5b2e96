import LMConv
import XCTest

/// Raster sampling from the PixelCNN++ baseline: valid pixel values, one pass per pixel, fixed by the seed.
final class PixelCNNPlusPlusSamplingTests: XCTestCase {
    private func model(channels: Int, nBits: Int = 8) throws -> PixelCNNPlusPlus {
        let cfg = ModelConfiguration(channels: channels, height: 4, width: 5, binarize: false, filters: 4, resnets: 1, mixtures: 2,
                                     normalization: .weightNorm, nBits: nBits, network: .pixelCNNPlusPlus)
        return try PixelCNNPlusPlus(configuration: cfg, seed: 3)
    }

    func testSamplesAreBinValuesAndFixedBySeed() throws {
        for (channels, nBits) in [(1, 8), (3, 5)] {
            let model = try model(channels: channels, nBits: nBits)
            var rng = Xoshiro256(seed: 11)
            var visited: [Int] = []
            let x = try model.sample(count: 2, rng: &rng) { visited.append($0) }
            XCTAssertEqual(x.shape, [2, channels, 4, 5])
            XCTAssertEqual(visited, Array(0..<20), "one pass per pixel, in raster order")
            let levels = Float((1 << nBits) - 1)
            for v in x.scalars {
                let level = (v + 1) / 2 * levels
                XCTAssertTrue(v >= -1 && v <= 1 && abs(level - level.rounded()) < 1e-3, "\(v) is not one of the bins")
            }
            var again = Xoshiro256(seed: 11)
            XCTAssertEqual(try model.sample(count: 2, rng: &again).scalars, x.scalars, "same seed, same images")
            var other = Xoshiro256(seed: 12)
            XCTAssertNotEqual(try model.sample(count: 2, rng: &other).scalars, x.scalars, "another seed")
            XCTAssertGreaterThan(Set(x.scalars).count, 3, "the samples vary")
        }
    }

    func testCompletionKeepsObservedPixelsAndMatchesSamplingWhenAllIsHidden() throws {
        let model = try model(channels: 1)
        var dataRNG = Xoshiro256(seed: 5)
        let images = Tensor(shape: [2, 1, 4, 5], scalars: (0..<40).map { _ in (dataRNG.nextUniform() * 255).rounded() / 127.5 - 1 })
        let hidden = (0..<20).map { $0 >= 12 }   // the last 3 pixels of row 2 and row 3: a raster suffix
        var rng = Xoshiro256(seed: 9)
        var visited: [Int] = []
        let completions = try model.complete(images, hidden: hidden, samples: 3, rng: &rng) { visited.append($0) }
        XCTAssertEqual(completions.shape, [6, 1, 4, 5])
        XCTAssertEqual(visited, Array(12..<20), "one pass per hidden pixel, in raster order")
        for i in 0..<2 {
            for k in 0..<3 {
                for q in 0..<20 where !hidden[q] {
                    XCTAssertEqual(completions.scalars[(i * 3 + k) * 20 + q], images.scalars[i * 20 + q], "observed pixel kept")
                }
            }
        }
        // Everything hidden: a completion is a sample from scratch with the same noise.
        var a = Xoshiro256(seed: 4), b = Xoshiro256(seed: 4)
        let all = try model.complete(images, hidden: [Bool](repeating: true, count: 20), samples: 2, rng: &a)
        XCTAssertEqual(all.scalars, try model.sample(count: 4, rng: &b).scalars)
        XCTAssertThrowsError(try model.complete(images, hidden: [Bool](repeating: false, count: 20), samples: 1, rng: &rng))
        XCTAssertThrowsError(try model.complete(images, hidden: hidden, samples: 0, rng: &rng))
    }

    func testRefusesBadArguments() throws {
        let model = try model(channels: 1)
        var rng = Xoshiro256(seed: 0)
        XCTAssertThrowsError(try model.sample(count: 0, rng: &rng))
        XCTAssertThrowsError(try model.sample(count: 1, temperature: -1, rng: &rng))
    }
}
