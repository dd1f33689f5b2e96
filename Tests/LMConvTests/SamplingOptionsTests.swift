import Foundation
import LMConv
import TestSupport
import XCTest

/// The reference's sampling options: its two temperatures, sampling without quantisation, and the
/// `random_near_center` region.
final class SamplingOptionsTests: XCTestCase {
    private func rgb(mixtures: Int) -> ModelConfiguration {
        ModelConfiguration(channels: 3, height: 4, width: 4, binarize: false, filters: 4, resnets: 1, mixtures: mixtures)
    }

    /// The reference's `sample_from_discretized_mix_logistic` written out for one pixel, on the same uniforms:
    /// the logistic parameters (not the mixture logits) divided by the mixture temperature, the logistic noise
    /// multiplied by the logistic temperature, every channel clamped, no quantisation.
    private func referenceSample(_ l: [Float], mixtures M: Int, mixtureTemperature: Float, logisticTemperature: Float,
                                 rng: inout Xoshiro256) -> [Float] {
        let logits = Array(l[0..<M])
        let p = l[M...].map { $0 / mixtureTemperature }   // (3 channels, 3M): means, log scales, coefficients
        var best = 0, bestScore = -Float.infinity
        for k in 0..<M {
            let u = rng.nextUniform() * (1 - 2e-5) + 1e-5
            if logits[k] - log(-log(u)) > bestScore { bestScore = logits[k] - log(-log(u)); best = k }
        }
        func param(_ c: Int, _ block: Int) -> Float { p[c * 3 * M + block * M + best] }
        var x = (0..<3).map { c -> Float in
            let u = rng.nextUniform() * (1 - 2e-5) + 1e-5
            return param(c, 0) + exp(max(param(c, 1), -7)) * logisticTemperature * (log(u) - log(1 - u))
        }
        x[0] = min(max(x[0], -1), 1)
        x[1] = min(max(x[1] + tanh(param(0, 2)) * x[0], -1), 1)
        x[2] = min(max(x[2] + tanh(param(1, 2)) * x[0] + tanh(param(2, 2)) * x[1], -1), 1)
        return x
    }

    func testTemperaturesAndNoQuantizeAreTheReferences() {
        let M = 3, cfg = rgb(mixtures: M)
        var paramRNG = Xoshiro256(seed: 4)
        for trial in 0..<200 {
            // Means and coefficients spread over [-2, 2], log scales over [-4, 0].
            var params = (0..<cfg.outputChannels).map { _ in paramRNG.nextUniform() * 4 - 2 }
            for c in 0..<3 { for k in 0..<M { params[M + c * 3 * M + M + k] = paramRNG.nextUniform() * 4 - 4 } }
            let (tm, tl): (Float, Float) = [(1, 1), (0.7, 0.6), (2, 1.3), (1, 0)][trial % 4]
            var a = Xoshiro256(seed: UInt64(trial)), b = a
            let ours = samplePixel(params, configuration: cfg,
                                   options: PixelSamplingOptions(logisticTemperature: tl, mixtureTemperature: tm,
                                                                 quantize: false), rng: &a)
            let theirs = referenceSample(params, mixtures: M, mixtureTemperature: tm, logisticTemperature: tl, rng: &b)
            assertClose(ours, theirs, relativeTolerance: 1e-5, absoluteTolerance: 1e-6, "trial \(trial)")
            XCTAssertEqual(a, b, "the same count of uniforms")
        }
    }

    func testQuantizedSamplesAreOnTheBinsAndContinuousOnesMostlyNot() {
        var cfg = rgb(mixtures: 2)
        cfg.nBits = 5
        var paramRNG = Xoshiro256(seed: 9)
        var offGrid = 0, interior = 0
        for trial in 0..<100 {
            let params = (0..<cfg.outputChannels).map { _ in paramRNG.nextUniform() * 2 - 1 }
            var a = Xoshiro256(seed: UInt64(trial)), b = a, c = a
            let quantized = samplePixel(params, configuration: cfg, options: PixelSamplingOptions(), rng: &a)
            XCTAssertEqual(quantized, samplePixel(params, configuration: cfg, temperature: 1, rng: &c), "the default")
            for v in quantized {
                let level = (v + 1) / 2 * 31
                XCTAssertEqual(level, level.rounded(), accuracy: 1e-4)
            }
            let continuous = samplePixel(params, configuration: cfg, options: PixelSamplingOptions(quantize: false), rng: &b)
            XCTAssertTrue(continuous.allSatisfy { (-1...1).contains($0) })
            let inside = continuous.filter { abs($0) < 1 }   // the rest are clamped to the edges
            interior += inside.count
            offGrid += inside.filter { abs((($0 + 1) / 2 * 31) - (($0 + 1) / 2 * 31).rounded()) > 1e-3 }.count
        }
        XCTAssertGreaterThan(interior, 50)
        XCTAssertGreaterThan(Double(offGrid), 0.95 * Double(interior), "continuous samples fall between the bins")
    }

    func testMixtureTemperatureScalesAOneComponentMean() {
        // One component, a tiny scale: the sample is the mean divided by the mixture temperature.
        let cfg = ModelConfiguration(channels: 1, height: 4, width: 4, binarize: false, filters: 4, resnets: 1, mixtures: 1)
        var rng = Xoshiro256(seed: 1)
        let x = samplePixel([0, 0.6, -7], configuration: cfg,
                            options: PixelSamplingOptions(mixtureTemperature: 2, quantize: false), rng: &rng)
        XCTAssertEqual(x[0], 0.3, accuracy: 0.02)
        XCTAssertThrowsError(try PixelSamplingOptions(mixtureTemperature: 0).validate())
        XCTAssertThrowsError(try PixelSamplingOptions(logisticTemperature: .infinity).validate())
    }

    /// Incremental and naive samplers draw the same continuous images.
    func testNoQuantizeSamplersAgree() throws {
        let model = try ReferenceFixture("gray-28").model()
        let order = try GenerationOrder(named: "s_curve", height: 6, width: 6)
        let options = PixelSamplingOptions(logisticTemperature: 0.8, mixtureTemperature: 1.5, quantize: false)
        let task = SamplingTask(order: order, count: 2, configuration: model.configuration, pixelOptions: options)
        var a = Xoshiro256(seed: 5), b = a
        let fast = try model.sample(task, rng: &a)
        let naive = try model.sample(task, rng: &b, naive: true)
        assertClose(fast.scalars, naive.scalars, relativeTolerance: 1e-5, absoluteTolerance: 1e-5)
        XCTAssertTrue(fast.scalars.contains { v in abs((v + 1) / 2 * 255 - ((v + 1) / 2 * 255).rounded()) > 1e-3 })
    }

    // MARK: - random_near_center

    func testRandomNearCenterPlacesTheBoxAsTheReference() throws {
        for (H, W, box) in [(28, 28, 16), (30, 31, 8), (32, 32, 16), (3, 2, 1)] {
            // np.random.randint(-n // 4, n // 4): Python's floor division on the negative bound.
            let rows = Int((Double(-H) / 4).rounded(.down))..<(H / 4), cols = Int((Double(-W) / 4).rounded(.down))..<(W / 4)
            var tops = Set<Int>(), lefts = Set<Int>()
            var rng = Xoshiro256(seed: 11)
            for _ in 0..<400 {
                let region = randomNearCenterRegion(height: H, width: W, boxRows: box, boxCols: box, rng: &rng)
                let inside = (0..<(H * W)).filter { region[$0] }
                let r0 = inside.map { $0 / W }.min()!, c0 = inside.map { $0 % W }.min()!
                let r1 = inside.map { $0 / W }.max()! + 1, c1 = inside.map { $0 % W }.max()! + 1
                XCTAssertEqual(inside.count, (r1 - r0) * (c1 - c0), "a box")
                // The unclipped corner is the centre plus the offset; clipping only cuts the far sides here.
                let top = r0 - H / 2, left = c0 - W / 2
                XCTAssertTrue(rows.contains(top) || r0 == 0, "\(H)x\(W): top offset \(top)")
                XCTAssertTrue(cols.contains(left) || c0 == 0, "\(H)x\(W): left offset \(left)")
                XCTAssertEqual(r1 - r0, min(box, H - r0))
                XCTAssertEqual(c1 - c0, min(box, W - c0))
                tops.insert(top); lefts.insert(left)
            }
            XCTAssertEqual(tops, Set(rows.filter { H / 2 + $0 >= 0 }), "\(H)x\(W): every row offset occurs")
            XCTAssertEqual(lefts, Set(cols.filter { W / 2 + $0 >= 0 }), "\(H)x\(W): every column offset occurs")
        }
    }

    func testRandomNearCenterSpecs() throws {
        let a = try loadRegion("random_near_center:4x6", height: 28, width: 28, seed: 3)
        XCTAssertEqual(a, try loadRegion("random_near_center:4x6", height: 28, width: 28, seed: 3), "fixed by the seed")
        XCTAssertEqual(a.filter { $0 }.count, 24)
        var rng = Xoshiro256(seed: 3)
        XCTAssertEqual(a, randomNearCenterRegion(height: 28, width: 28, boxRows: 4, boxCols: 6, rng: &rng))
        rng = Xoshiro256(seed: 3)
        XCTAssertEqual(try loadRegion("random_near_center", height: 28, width: 28, seed: 3),
                       randomNearCenterRegion(height: 28, width: 28, rng: &rng), "the reference's 16x16 by default")
        for bad in ["random_near_center:4", "random_near_center:0x3", "random_near_centerx", "random_near_center:ax2"] {
            XCTAssertThrowsError(try loadRegion(bad, height: 28, width: 28)) { error in
                XCTAssertTrue((error as? LMConvError)?.message.contains("random_near_center:RxC") == true, "\(error)")
            }
        }
    }
}
