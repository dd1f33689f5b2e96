import LMConv
import TestSupport
import XCTest

/// The incremental sampler must draw exactly the naive sampler's images (one full forward pass per pixel) from the
/// same random numbers, with the same per-step output distributions, for every kind of model and order.
final class IncrementalSamplerTests: XCTestCase {
    /// A model with random weights: PyTorch's initialisation plus noise, so biases and mask weights matter too.
    private func model(_ cfg: ModelConfiguration, seed: UInt64) throws -> LocallyMaskedPixelCNN {
        try perturbedModel(cfg, seed: seed, offset: 1000)
    }

    private func config(channels: Int = 1, height: Int = 6, width: Int = 6, binarize: Bool = true, filters: Int = 6,
                        resnets: Int = 1, kernelSize: Int = 3, maxDilation: Int = 2, mixtures: Int = 2,
                        normalization: Normalization = .pono, nBits: Int = 4, convBias: Bool = true,
                        learnWeightForMasks: Bool = false) -> ModelConfiguration {
        ModelConfiguration(channels: channels, height: height, width: width, binarize: binarize, filters: filters,
                           resnets: resnets, kernelSize: kernelSize, maxDilation: maxDilation, mixtures: mixtures,
                           normalization: normalization, nBits: nBits, convBias: convBias,
                           learnWeightForMasks: learnWeightForMasks)
    }

    /// A uniformly random order of an H x W image.
    private func randomOrder(height: Int, width: Int, seed: UInt64) throws -> GenerationOrder {
        var rng = Xoshiro256(seed: seed)
        var pixels = (0..<(height * width)).map { PixelCoordinate(row: $0 / width, col: $0 % width) }
        pixels.shuffle(using: &rng)
        return try GenerationOrder(height: height, width: width, pixels: pixels)
    }

    /// Random images (B, C, H, W) whose values are bins of the model's data.
    private func randomImages(_ cfg: ModelConfiguration, count: Int, seed: UInt64) -> Tensor {
        var rng = Xoshiro256(seed: seed)
        let levels = cfg.binarize ? 2 : 1 << cfg.nBits
        let n = count * cfg.channels * cfg.height * cfg.width
        let scalars = (0..<n).map { _ in Float(Int(rng.nextUniform() * Float(levels))) / Float(levels - 1) * 2 - 1 }
        return Tensor(shape: [count, cfg.channels, cfg.height, cfg.width], scalars: scalars)
    }

    /// Runs both samplers from one seed; asserts identical images, identical random-number use, the same pixel
    /// sequence and per-step parameters within 1e-5 (relative and absolute). Returns the incremental images.
    @discardableResult
    private func assertSameAsNaive(_ model: LocallyMaskedPixelCNN, _ task: SamplingTask, seed: UInt64 = 7,
                                   _ what: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tensor {
        var naiveRNG = Xoshiro256(seed: seed), incrementalRNG = Xoshiro256(seed: seed)
        var naiveSteps: [(Int, [[Float]])] = [], incrementalSteps: [(Int, [[Float]])] = []
        let expected = try model.sampleNaive(task, rng: &naiveRNG) { naiveSteps.append(($0, $1)) }
        let actual = try model.sampleIncremental(task, rng: &incrementalRNG) { incrementalSteps.append(($0, $1)) }
        XCTAssertEqual(actual.shape, expected.shape, what, file: file, line: line)
        if let i = actual.scalars.indices.first(where: { actual.scalars[$0] != expected.scalars[$0] }) {
            XCTFail("\(what): element \(i) is \(actual.scalars[i]), naive \(expected.scalars[i])", file: file, line: line)
        }
        XCTAssertEqual(incrementalRNG, naiveRNG, "\(what): random numbers used differently", file: file, line: line)
        XCTAssertEqual(incrementalSteps.map(\.0), naiveSteps.map(\.0), "\(what): pixel sequence", file: file, line: line)
        XCTAssertEqual(incrementalSteps.map(\.0), task.stepsInOrder, what, file: file, line: line)
        for (step, (a, e)) in zip(incrementalSteps, naiveSteps).enumerated() {
            XCTAssertEqual(a.1.count, e.1.count, what, file: file, line: line)
            for (b, (pa, pe)) in zip(a.1, e.1).enumerated() {
                XCTAssertEqual(pa.count, model.configuration.outputChannels, what, file: file, line: line)
                assertClose(pa, pe, relativeTolerance: 1e-5, absoluteTolerance: 1e-5,
                            "\(what): step \(step) pixel \(a.0) image \(b)", file: file, line: line)
            }
        }
        return actual
    }

    /// The generated values must vary, or a test comparing them proves little.
    private func assertVaried(_ images: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThan(Set(images.scalars).count, 1, "\(what): every generated value is the same", file: file, line: line)
    }

    func testBinarizedSamplingMatchesNaive() throws {
        let cases: [(String, ModelConfiguration, (ModelConfiguration) throws -> GenerationOrder)] = [
            ("raster pono", config(), { try .rasterScan(height: $0.height, width: $0.width) }),
            ("s_curve reflect_all, weight_norm, learned mask weights, R=2",
             config(resnets: 2, normalization: .weightNorm, learnWeightForMasks: true),
             { try GenerationOrder.sCurve(height: $0.height, width: $0.width).variant(3) }),
            ("s_curve reflect_cols(transpose), order_rescale, D=3",
             config(maxDilation: 3, normalization: .orderRescale),
             { try GenerationOrder.sCurve(height: $0.height, width: $0.width).variant(6) }),
            ("gilbert2d, none, k=5, no bias", config(kernelSize: 5, normalization: .none, convBias: false),
             { try .gilbert2d(height: $0.height, width: $0.width) }),
            ("random permutation, pono, learned, k=5, D=3",
             config(kernelSize: 5, maxDilation: 3, learnWeightForMasks: true),
             { try self.randomOrder(height: $0.height, width: $0.width, seed: 3) }),
            ("hilbert 8x8 transpose, order_rescale, learned, R=2",
             config(height: 8, width: 8, resnets: 2, normalization: .orderRescale, learnWeightForMasks: true),
             { try GenerationOrder.hilbert(height: $0.height, width: $0.width).variant(4) }),
            ("centre quarter last, reflect_rows(transpose), weight_norm, k=5, D=2",
             config(kernelSize: 5, normalization: .weightNorm),
             { try GenerationOrder(named: "s_curve_center_quarter_last", height: $0.height, width: $0.width).variant(5) }),
            ("R=0, random permutation", config(resnets: 0),
             { try self.randomOrder(height: $0.height, width: $0.width, seed: 4) }),
            ("max_dilation 1", config(maxDilation: 1, learnWeightForMasks: true),
             { try .sCurve(height: $0.height, width: $0.width) }),
        ]
        for (index, (what, cfg, makeOrder)) in cases.enumerated() {
            let model = try model(cfg, seed: UInt64(index))
            let task = SamplingTask(order: try makeOrder(cfg), count: 3, configuration: cfg)
            let images = try assertSameAsNaive(model, task, seed: UInt64(100 + index), what)
            assertVaried(images, what)
            XCTAssertTrue(images.scalars.allSatisfy { $0 == 1 || $0 == -1 }, what)
        }
    }

    func testSingleImageBatch() throws {
        let cfg = config(resnets: 2, kernelSize: 3, maxDilation: 3, learnWeightForMasks: true)
        let task = SamplingTask(order: try randomOrder(height: 6, width: 6, seed: 9), count: 1, configuration: cfg)
        try assertSameAsNaive(try model(cfg, seed: 21), task, "one image")
    }

    func testOneChannelMixtureMatchesNaive() throws {
        let cases: [(String, ModelConfiguration, (ModelConfiguration) throws -> GenerationOrder)] = [
            ("5x7 raster reflect_rows, pono", config(height: 5, width: 7, binarize: false),
             { try GenerationOrder.rasterScan(height: $0.height, width: $0.width).variant(1) }),
            ("5x7 random permutation, order_rescale, learned, k=5",
             config(height: 5, width: 7, binarize: false, kernelSize: 5, normalization: .orderRescale,
                    learnWeightForMasks: true),
             { try self.randomOrder(height: $0.height, width: $0.width, seed: 11) }),
            ("5x7 gilbert2d, weight_norm, D=3, R=2",
             config(height: 5, width: 7, binarize: false, resnets: 2, maxDilation: 3, normalization: .weightNorm),
             { try .gilbert2d(height: $0.height, width: $0.width) }),
            ("6x6 s_curve reflect_cols, none, 3 mixtures",
             config(binarize: false, mixtures: 3, normalization: .none, learnWeightForMasks: true),
             { try GenerationOrder.sCurve(height: $0.height, width: $0.width).variant(2) }),
        ]
        for (index, (what, cfg, makeOrder)) in cases.enumerated() {
            let model = try model(cfg, seed: UInt64(20 + index))
            let task = SamplingTask(order: try makeOrder(cfg), count: 3, configuration: cfg, temperature: 0.8)
            assertVaried(try assertSameAsNaive(model, task, seed: UInt64(200 + index), what), what)
        }
    }

    func testThreeChannelMixtureMatchesNaive() throws {
        let cases: [(String, ModelConfiguration, (ModelConfiguration) throws -> GenerationOrder)] = [
            ("5x5 s_curve, pono, learned, R=2",
             config(channels: 3, height: 5, width: 5, binarize: false, resnets: 2, learnWeightForMasks: true),
             { try .sCurve(height: $0.height, width: $0.width) }),
            ("4x6 random permutation, weight_norm, k=5, D=3",
             config(channels: 3, height: 4, width: 6, binarize: false, kernelSize: 5, maxDilation: 3,
                    normalization: .weightNorm),
             { try self.randomOrder(height: $0.height, width: $0.width, seed: 31) }),
            ("5x5 gilbert2d reflect_cols, order_rescale",
             config(channels: 3, height: 5, width: 5, binarize: false, normalization: .orderRescale, nBits: 3),
             { try GenerationOrder.gilbert2d(height: $0.height, width: $0.width).reflectCols() }),
            ("5x5 raster transpose, none, 8 bits",
             config(channels: 3, height: 5, width: 5, binarize: false, normalization: .none, nBits: 8),
             { try GenerationOrder.rasterScan(height: $0.height, width: $0.width).variant(4) }),
        ]
        for (index, (what, cfg, makeOrder)) in cases.enumerated() {
            let model = try model(cfg, seed: UInt64(40 + index))
            let task = SamplingTask(order: try makeOrder(cfg), count: 2, configuration: cfg)
            assertVaried(try assertSameAsNaive(model, task, seed: UInt64(300 + index), what), what)
        }
    }

    /// Completion of a random-shaped hidden region: the observed pixels' features come from one prefill pass.
    func testCompletionOfRandomRegionMatchesNaive() throws {
        let cases: [(String, ModelConfiguration)] = [
            ("binarized, pono, learned, D=3", config(maxDilation: 3, learnWeightForMasks: true)),
            ("one channel, order_rescale, k=5, R=2",
             config(height: 5, width: 7, binarize: false, resnets: 2, kernelSize: 5, normalization: .orderRescale)),
            ("three channels, weight_norm", config(channels: 3, height: 5, width: 6, binarize: false,
                                                   normalization: .weightNorm, learnWeightForMasks: true)),
            ("binarized, none, k=5, D=2", config(kernelSize: 5, normalization: .none)),
        ]
        for (index, (what, cfg)) in cases.enumerated() {
            var rng = Xoshiro256(seed: UInt64(50 + index))
            let HW = cfg.height * cfg.width
            // A random blob grown from a seed pixel plus scattered pixels.
            var hidden = (0..<HW).map { _ in rng.nextUniform() < 0.2 }
            var blob = Int(rng.nextUniform() * Float(HW))
            for _ in 0..<(HW / 3) {
                hidden[blob] = true
                let (r, c) = (blob / cfg.width, blob % cfg.width)
                let moves = [(r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)].filter {
                    $0.0 >= 0 && $0.0 < cfg.height && $0.1 >= 0 && $0.1 < cfg.width
                }
                let next = moves[Int(rng.nextUniform() * Float(moves.count))]
                blob = next.0 * cfg.width + next.1
            }
            let base: GenerationOrder = index % 2 == 0
                ? try randomOrder(height: cfg.height, width: cfg.width, seed: UInt64(60 + index))
                : try .sCurve(height: cfg.height, width: cfg.width)
            let order = try orderGeneratingLast(hidden, basedOn: base)
            let initial = randomImages(cfg, count: 3, seed: UInt64(70 + index))
            let task = SamplingTask(order: order, initial: initial, hidden: hidden,
                                    context: index % 2 == 0 ? .reference : .observed)
            let completed = try assertSameAsNaive(try model(cfg, seed: UInt64(80 + index)), task,
                                                  seed: UInt64(400 + index), what)
            // Observed pixels are kept as given.
            let C = cfg.channels
            for b in 0..<3 { for c in 0..<C { for q in 0..<HW where !hidden[q] {
                XCTAssertEqual(completed.scalars[(b * C + c) * HW + q], initial.scalars[(b * C + c) * HW + q], what)
            } } }
        }
    }

    /// Wide layers, where each large GEMM is split by output rows between threads (and, with one image, the
    /// batch cannot be split).
    func testWideModelMatchesNaive() throws {
        for (what, batch) in [("wide, two images", 2), ("wide, one image", 1)] {
            let cfg = config(height: 5, width: 5, binarize: false, filters: 128, resnets: 1, learnWeightForMasks: true)
            let task = SamplingTask(order: try randomOrder(height: 5, width: 5, seed: 12), count: batch,
                                    configuration: cfg)
            try assertSameAsNaive(try model(cfg, seed: 94), task, what)
        }
    }

    /// Every feature at a pixel depends only on the pixels before it, so one full forward pass over the finished
    /// images reproduces every step's output parameters (a check that scales to images where the naive sampler is
    /// too slow to run).
    func testFinalImageForwardGivesEveryStepsParameters() throws {
        for (index, normalization) in Normalization.allCases.enumerated() {
            let cfg = config(height: 12, width: 12, filters: 16, resnets: 2, normalization: normalization,
                             learnWeightForMasks: index % 2 == 0)
            let model = try model(cfg, seed: UInt64(95 + index))
            let order = try randomOrder(height: 12, width: 12, seed: UInt64(96 + index))
            let task = SamplingTask(order: order, count: 4, configuration: cfg)
            var rng = Xoshiro256(seed: 6)
            var steps: [(Int, [[Float]])] = []
            let images = try model.sampleIncremental(task, rng: &rng) { steps.append(($0, $1)) }
            XCTAssertEqual(steps.count, 144)
            var dropout = Xoshiro256(seed: 0)
            let masks = try OrderMasks(order: order, kernelSize: 3, maxDilation: 2)
            let (output, _) = model.forward(images, masks: masks, rng: &dropout)   // (OC, B, H, W)
            for (q, parameters) in steps {
                for b in 0..<4 {
                    let expected = (0..<2).map { output.scalars[($0 * 4 + b) * 144 + q] }
                    assertClose(parameters[b], expected, relativeTolerance: 1e-5, absoluteTolerance: 1e-5,
                                "\(normalization): pixel \(q) image \(b)")
                }
            }
        }
    }

    /// Nothing hidden: nothing to do. Everything hidden: the same as sampling from scratch.
    func testCompletionEdgeCases() throws {
        let cfg = config(binarize: false)
        let model = try model(cfg, seed: 90)
        let order = try GenerationOrder.sCurve(height: 6, width: 6)
        let initial = randomImages(cfg, count: 2, seed: 91)
        var rng = Xoshiro256(seed: 1)
        var calls = 0
        let untouched = try model.sampleIncremental(SamplingTask(order: order, initial: initial,
                                                                 hidden: [Bool](repeating: false, count: 36)),
                                                    rng: &rng) { _, _ in calls += 1 }
        XCTAssertEqual(untouched, initial)
        XCTAssertEqual(calls, 0)
        XCTAssertEqual(rng, Xoshiro256(seed: 1))
        try assertSameAsNaive(model, SamplingTask(order: order, initial: initial, hidden: [Bool](repeating: true, count: 36)),
                              "all hidden")
    }

    func testCompletionOrderMustVisitObservedPixelsFirst() throws {
        let cfg = config()
        let model = try model(cfg, seed: 92)
        var hidden = [Bool](repeating: false, count: 36)
        hidden[0] = true   // the raster scan's first pixel, before every observed one
        let task = SamplingTask(order: try .rasterScan(height: 6, width: 6), initial: randomImages(cfg, count: 1, seed: 1),
                                hidden: hidden)
        var rng = Xoshiro256(seed: 1)
        XCTAssertThrowsError(try model.sampleIncremental(task, rng: &rng))
    }

    /// The single entry point dispatches to both samplers, which agree.
    func testSampleEntryPoint() throws {
        let cfg = config(channels: 3, height: 4, width: 4, binarize: false, learnWeightForMasks: true)
        let model = try model(cfg, seed: 93)
        let task = SamplingTask(order: try .sCurve(height: 4, width: 4), count: 2, configuration: cfg)
        var a = Xoshiro256(seed: 5), b = Xoshiro256(seed: 5), c = Xoshiro256(seed: 5)
        let incremental = try model.sample(task, rng: &a)
        let naive = try model.sample(task, rng: &b, naive: true)
        XCTAssertEqual(incremental, naive)
        XCTAssertEqual(naive, try model.sampleNaive(task, rng: &c))
        XCTAssertEqual(a, b)
    }
}
