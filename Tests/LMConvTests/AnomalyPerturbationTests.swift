import Foundation
import LMConv
import TestSupport
import XCTest

/// The input perturbation of background models (Ren et al. 2019): the fraction of pixels replaced, the values they
/// get, determinism, and its use in training (recorded in checkpoints, resumed exactly).
final class AnomalyPerturbationTests: XCTestCase {
    /// `count` images of C x 10 x 10 at one gray level, encoded as `encoding`.
    func encoded(count: Int, channels C: Int, level: UInt8, encoding: PixelEncoding) -> [Float] {
        let data = ImageDataset(count: count, channels: C, height: 10, width: 10,
                                pixels: [UInt8](repeating: level, count: count * C * 100))
        var rng = Xoshiro256(seed: 0)
        return data.networkInput(Array(0..<count), encoding: encoding, rng: &rng)
    }

    /// 100 000 8-bit pixels at rate 0.2: the fraction changed is 0.2 × 255/256 within five standard deviations,
    /// every new value is one of the 256 levels, and the levels are spread evenly (each of 16 bins within 25% of
    /// its share).
    func testRateAndValuesEightBit() {
        var values = encoded(count: 1000, channels: 1, level: 0, encoding: .bits(8))
        let original = values
        var rng = Xoshiro256(seed: 5)
        Preprocessing.perturb(&values, channels: 1, pixelsPerImage: 100, rate: 0.2, encoding: .bits(8), rng: &rng)
        let changed = zip(values, original).filter { $0 != $1 }.map(\.0)
        let expected = 0.2 * 255 / 256, sd = (0.2 * 0.8 / 100_000).squareRoot()
        XCTAssertEqual(Double(changed.count) / 100_000, expected, accuracy: 5 * sd)
        let quantized = Set(Preprocessing.quantize(0...255, nBits: 8))
        XCTAssertTrue(changed.allSatisfy { quantized.contains($0) }, "replacements are 8-bit levels")
        var bins = [Int](repeating: 0, count: 16)
        for v in changed { bins[min(15, Int((v + 1) / 2 * 16))] += 1 }
        for bin in bins { XCTAssertEqual(Double(bin), Double(changed.count) / 16, accuracy: Double(changed.count) / 64) }
    }

    /// Binary: replacements are ±1 with probability ½ each, so half the drawn pixels change.
    func testRateBinary() {
        var values = encoded(count: 1000, channels: 1, level: 0, encoding: .threshold(128))
        var rng = Xoshiro256(seed: 6)
        Preprocessing.perturb(&values, channels: 1, pixelsPerImage: 100, rate: 0.2, encoding: .threshold(128), rng: &rng)
        XCTAssertTrue(values.allSatisfy { $0 == 1 || $0 == -1 })
        let on = values.filter { $0 == 1 }.count
        XCTAssertEqual(Double(on) / 100_000, 0.1, accuracy: 5 * (0.1 * 0.9 / 100_000).squareRoot())
    }

    /// RGB: a pixel is replaced as a whole (all three sub-pixels drawn), so the sub-pixels change together.
    func testWholePixelsOfRGB() {
        var values = encoded(count: 300, channels: 3, level: 7, encoding: .bits(5))
        let original = values
        var rng = Xoshiro256(seed: 7)
        Preprocessing.perturb(&values, channels: 3, pixelsPerImage: 100, rate: 0.3, encoding: .bits(5), rng: &rng)
        var pixelsChanged = 0, subPixelsChanged = 0
        for b in 0..<300 { for q in 0..<100 {
            let changed = (0..<3).filter { values[(b * 3 + $0) * 100 + q] != original[(b * 3 + $0) * 100 + q] }.count
            if changed > 0 { pixelsChanged += 1 }
            subPixelsChanged += changed
        } }
        // A drawn pixel keeps all three of its values with probability (1/32)^3: nearly every drawn pixel changes;
        // each sub-pixel of a drawn pixel changes with probability 31/32.
        XCTAssertEqual(Double(pixelsChanged) / 30_000, 0.3, accuracy: 5 * (0.3 * 0.7 / 30_000).squareRoot())
        XCTAssertEqual(Double(subPixelsChanged) / Double(pixelsChanged), 3 * 31.0 / 32, accuracy: 0.03)
    }

    func testRateZeroDrawsNothingAndSeedsRepeat() {
        var values = encoded(count: 4, channels: 1, level: 99, encoding: .bits(8))
        let original = values
        var rng = Xoshiro256(seed: 1)
        Preprocessing.perturb(&values, channels: 1, pixelsPerImage: 100, rate: 0, encoding: .bits(8), rng: &rng)
        XCTAssertEqual(values, original)
        XCTAssertEqual(rng, Xoshiro256(seed: 1))
        var a = original, b = original, r1 = Xoshiro256(seed: 3), r2 = Xoshiro256(seed: 3)
        Preprocessing.perturb(&a, channels: 1, pixelsPerImage: 100, rate: 0.5, encoding: .bits(8), rng: &r1)
        Preprocessing.perturb(&b, channels: 1, pixelsPerImage: 100, rate: 0.5, encoding: .bits(8), rng: &r2)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, original)
    }

    // MARK: - Training with perturbed inputs

    func tinyData() -> ImageDataset {
        var rng = Xoshiro256(seed: 9)
        return ImageDataset(count: 16, channels: 1, height: 6, width: 6,
                            pixels: (0..<(16 * 36)).map { _ in UInt8(rng.next() >> 58) })   // dark images
    }

    func trainer(rate: Double?) throws -> Trainer {
        var options = TrainingOptions()
        options.batchSize = 8
        options.learningRate = 1e-2
        options.perturbRate = rate
        let model = try LocallyMaskedPixelCNN(configuration: ModelConfiguration(height: 6, width: 6, binarize: false,
                                                                                filters: 4, resnets: 1, mixtures: 2),
                                              seed: 1)
        return try Trainer(model: model, orders: OrderSpecification(names: ["s_curve"], variants: 8), data: tinyData(),
                           options: options)
    }

    /// Perturbed batches change the losses, repeat for a seed, a rate of 0 is
    /// training without perturbation, and a resumed run continues exactly (the rate is in the checkpoint and the
    /// noise comes from the trainer's saved generator).
    func testTrainingWithPerturbedInputs() throws {
        func losses(_ t: Trainer, _ steps: Int) throws -> [Double] { try (0..<steps).map { _ in try t.trainStep().loss } }
        let clean = try losses(trainer(rate: nil), 4)
        XCTAssertEqual(try losses(trainer(rate: 0), 4), clean)
        let perturbed = try losses(trainer(rate: 0.5), 4)
        XCTAssertEqual(try losses(trainer(rate: 0.5), 4), perturbed)
        XCTAssertNotEqual(perturbed[0], clean[0])   // the very first batch already differs

        let first = try trainer(rate: 0.5)
        _ = try losses(first, 2)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("perturb-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try first.checkpoint().write(to: url)
        let checkpoint = try Checkpoint.load(contentsOf: url)
        XCTAssertEqual(checkpoint.training?.options.perturbRate, 0.5)
        let resumed = try Trainer(resuming: checkpoint, data: tinyData(), source: url.path)
        XCTAssertEqual(try losses(resumed, 2), Array(perturbed.suffix(2)))
    }

    func testInvalidRateThrows() {
        XCTAssertThrowsError(try trainer(rate: 1.5)) { XCTAssertTrue("\($0)".contains("perturbation rate"), "\($0)") }
        XCTAssertThrowsError(try trainer(rate: -0.1))
    }
}
