import LMConv
import TestSupport
import XCTest

/// The autoregressive session: normalised per-sub-pixel distributions whose log-probabilities add up to the
/// likelihood of a full forward pass, values from any source, any image size, cancellation and bad input.
final class AutoregressiveSessionTests: XCTestCase {
    func model(_ cfg: ModelConfiguration, seed: UInt64) throws -> LocallyMaskedPixelCNN {
        try perturbedModel(cfg, seed: seed, offset: 100)
    }

    func configurations() -> [(String, ModelConfiguration)] {
        [("binarized", ModelConfiguration(channels: 1, height: 6, width: 6, binarize: true, filters: 6, resnets: 1)),
         ("gray 8-bit", ModelConfiguration(channels: 1, height: 6, width: 6, binarize: false, filters: 6, resnets: 1,
                                           mixtures: 3, normalization: .weightNorm, nBits: 8)),
         ("rgb 4-bit", ModelConfiguration(channels: 3, height: 6, width: 6, binarize: false, filters: 6, resnets: 1,
                                          mixtures: 2, nBits: 4, learnWeightForMasks: true))]
    }

    /// Draws a level from a distribution by its inverse CDF.
    func draw(_ d: PixelDistribution, _ rng: inout Xoshiro256) -> Int {
        let u = Double(rng.nextUniform())
        var cumulative = 0.0
        for (level, p) in d.probabilities.enumerated() {
            cumulative += p
            if u < cumulative { return level }
        }
        return d.levels - 1
    }

    /// Generating channel by channel from the session's distributions, the summed log-probabilities equal minus the
    /// likelihood's NLL of the finished images under one forward pass; every distribution sums to 1. Run at a size
    /// other than the configuration's (5x7 for a 6x6 model): the model is convolutional.
    func testLogProbabilitiesAddUpToTheLikelihood() throws {
        for (what, cfg) in configurations() {
            let model = try model(cfg, seed: 3)
            let (H, W, B) = (5, 7, 3)
            let order = try GenerationOrder.sCurve(height: H, width: W).variant(3)
            let session = try AutoregressiveSession(model: model, images: Tensor(shape: [B, cfg.channels, H, W]),
                                                    observed: nil, order: order)
            var rng = Xoshiro256(seed: 9)
            var logP = [Double](repeating: 0, count: B)
            var steps = 0
            while session.nextPixel != nil {
                for _ in 0..<cfg.channels {
                    let distributions = try (0..<B).map { try session.distribution(image: $0) }
                    for d in distributions {
                        XCTAssertEqual(d.levels, cfg.binarize ? 2 : 1 << cfg.nBits)
                        XCTAssertEqual(d.probabilities.reduce(0, +), 1, accuracy: 1e-6, what)
                    }
                    let levels = distributions.map { draw($0, &rng) }
                    for b in 0..<B { logP[b] += distributions[b].logProbability(ofLevel: levels[b]) }
                    try session.accept(levels: levels)
                }
                steps += 1
            }
            XCTAssertEqual(steps, H * W)
            XCTAssertGreaterThan(Set(session.images.scalars).count, 1, "\(what): the images vary")
            let nll = try model.negativeLogLikelihood(of: session.images, order: order)
            assertClose(logP.map { Float(-$0) }, nll.map { Float($0) }, relativeTolerance: 1e-5, absoluteTolerance: 1e-4, what)
        }
    }

    /// Given values (a codec's decoded pixels, say) through the observed pixels and the steps give the conditional
    /// likelihood of the hidden region.
    func testObservedPixelsGiveTheConditionalLikelihood() throws {
        for (what, cfg) in configurations() {
            let model = try model(cfg, seed: 4)
            let (H, W, B) = (6, 6, 2)
            var rng = Xoshiro256(seed: 2)
            let levels = cfg.binarize ? 2 : 1 << cfg.nBits
            let x = Tensor(shape: [B, cfg.channels, H, W], scalars: (0..<(B * cfg.channels * H * W)).map { _ in
                Float(Int(rng.nextUniform() * Float(levels))) / Float(levels - 1) * 2 - 1
            })
            let hidden = (0..<(H * W)).map { $0 / W >= 3 }     // the bottom half
            var contextNLL: [[Double]] = []
            let order = try orderGeneratingLast(hidden, basedOn: try .sCurve(height: H, width: W))
          for context in ContextProtocol.allCases {
            let session = try AutoregressiveSession(model: model, images: x, observed: hidden.map { !$0 }, order: order,
                                                    context: context)
            var logP = [Double](repeating: 0, count: B)
            while let q = session.nextPixel {
                for c in 0..<cfg.channels {
                    let given = (0..<B).map { b in
                        Int(((x.scalars[(b * cfg.channels + c) * H * W + q] + 1) / 2 * Float(levels - 1)).rounded())
                    }
                    for b in 0..<B { logP[b] += try session.distribution(image: b).logProbability(ofLevel: given[b]) }
                    try session.accept(levels: given)
                }
            }
            XCTAssertEqual(session.images, x, "\(what): the given values are kept")
            let nll = try model.negativeLogLikelihood(of: x, order: order, region: hidden, context: context)
            assertClose(logP.map { Float(-$0) }, nll.map { Float($0) }, relativeTolerance: 1e-5, absoluteTolerance: 1e-4,
                        "\(what), \(context)")
            contextNLL.append(nll)
          }
            // The two protocols are different estimators.
            XCTAssertNotEqual(contextNLL[0], contextNLL[1], what)
        }
    }

    func testCancellationAndBadInput() throws {
        let cfg = configurations()[2].1
        let model = try model(cfg, seed: 5)
        let order = try GenerationOrder.rasterScan(height: 4, width: 4)
        let session = try AutoregressiveSession(model: model, images: Tensor(shape: [2, 3, 4, 4]), observed: nil,
                                                order: order)
        XCTAssertThrowsError(try session.accept(levels: [0]), "one level for two images")
        XCTAssertThrowsError(try session.accept(levels: [0, 16]), "level outside 0..<16")
        try session.accept(levels: [1, 2])
        XCTAssertThrowsError(try session.acceptPixel([[0, 0, 0], [0, 0, 0]]), "a pixel after one of its channels")
        try session.accept(levels: [1, 2])
        try session.accept(levels: [1, 2])
        XCTAssertEqual(session.completedSteps, 1)
        session.cancel()
        XCTAssertNil(session.nextPixel)
        XCTAssertThrowsError(try session.distribution(image: 0))
        XCTAssertThrowsError(try session.accept(levels: [0, 0]))
        // The wrong channel count, an order of another size.
        XCTAssertThrowsError(try AutoregressiveSession(model: model, images: Tensor(shape: [1, 1, 4, 4]), observed: nil,
                                                       order: order))
        XCTAssertThrowsError(try AutoregressiveSession(model: model, images: Tensor(shape: [1, 3, 4, 5]), observed: nil,
                                                       order: order))
        // A sampler asked to stop stops with an error.
        var calls = 0
        var rng = Xoshiro256(seed: 1)
        XCTAssertThrowsError(try model.sample(SamplingTask(order: order, count: 1, configuration: cfg), rng: &rng,
                                              isCancelled: { calls += 1; return calls > 3 }))
        XCTAssertEqual(calls, 4)
    }

    /// Sampling is the same at every thread budget (the work is split in fixed chunks).
    func testSamplesDoNotDependOnTheThreadCount() throws {
        let cfg = ModelConfiguration(channels: 3, height: 8, width: 8, binarize: false, filters: 8, resnets: 1,
                                     mixtures: 2, nBits: 8)
        let model = try model(cfg, seed: 6)
        let task = SamplingTask(order: try .hilbert(height: 8, width: 8), count: 11, configuration: cfg)
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        var results: [Tensor] = []
        for threads in [1, 2, 3] {
            Parallelism.setThreadCount(threads)
            var rng = Xoshiro256(seed: 4)
            results.append(try model.sample(task, rng: &rng))
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
    }

    /// The README's session example: the most likely level at every step.
    func testReadmeSessionExample() throws {
        let model = try model(ModelConfiguration(channels: 1, height: 28, width: 28, binarize: true, filters: 4,
                                                 resnets: 0), seed: 8)
        let order = try GenerationOrder(named: "gilbert2d", height: 28, width: 28)
        let session = try AutoregressiveSession(model: model, images: Tensor(shape: [4, 1, 28, 28]), observed: nil,
                                                order: order)
        while session.nextPixel != nil {
            let levels = try (0..<session.batch).map { b in
                let p = try session.distribution(image: b).probabilities      // 2 levels (binarized) or 2^n_bits
                return p.indices.max { p[$0] < p[$1] }!                         // here: the most likely level
            }
            try session.accept(levels: levels)
        }
        let mostLikely = session.images                                       // (4, 1, 28, 28) in [-1, 1]
        XCTAssertEqual(mostLikely.shape, [4, 1, 28, 28])
        XCTAssertTrue(mostLikely.scalars.allSatisfy { $0 == -1 || $0 == 1 })
        XCTAssertEqual(session.completedSteps, 784)
    }
}
