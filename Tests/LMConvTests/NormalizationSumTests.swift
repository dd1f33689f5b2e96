import Foundation
import LMConv
import TestSupport
import XCTest

/// Exact normalisation: a random model's probabilities, summed over every possible image, are 1 under every order.
/// This holds only if each pixel's distribution depends on earlier pixels alone (the masks, the network and the
/// likelihood together), and if each pixel's likelihood is itself normalised (the binary softmax, the discretized
/// logistic's bins). All images are evaluated in one batch per order; the sum is taken in Double.
final class NormalizationSumTests: XCTestCase {
    // MARK: - Helpers

    static func model(_ cfg: ModelConfiguration, seed: UInt64) throws -> LocallyMaskedPixelCNN {
        let model = try LocallyMaskedPixelCNN(configuration: cfg, seed: seed)
        var rng = Xoshiro256(seed: seed &+ 1000)
        randomizeModelParameters(model, using: &rng)
        return model
    }

    /// Every image whose sub-pixels each take one of `levels` values, as a batch (levels^(C*H*W), C, H, W) in [-1, 1]:
    /// image i has sub-pixel j (row-major over C, H, W) at digit j of i in base `levels` (the first sub-pixel the
    /// least significant digit).
    static func allImages(channels C: Int, height H: Int, width W: Int, levels: Int) -> Tensor {
        let D = C * H * W
        let count = Int(pow(Double(levels), Double(D)))
        var images = Tensor(shape: [count, C, H, W])
        for i in 0..<count {
            var rest = i
            for j in 0..<D {
                images.scalars[i * D + j] = Float(2 * (rest % levels)) / Float(levels - 1) - 1
                rest /= levels
            }
        }
        return images
    }

    /// Σ exp(−NLL) over the batch `images` under `masks`, with the NLL restricted to `region` if given. Large batches
    /// go through the network in chunks of about 64k pixel locations (much faster than one huge batch).
    static func probabilitySum(_ model: LocallyMaskedPixelCNN, images: Tensor, masks: OrderMasks,
                               region: [Bool]? = nil) -> Double {
        let (count, C, H, W) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let D = C * H * W
        let chunk = max(1, 65536 / (H * W))
        var rng = Xoshiro256(seed: 0)
        var sum = 0.0
        for start in stride(from: 0, to: count, by: chunk) {
            let n = min(chunk, count - start)
            let part = Tensor(shape: [n, C, H, W], scalars: Array(images.scalars[(start * D)..<((start + n) * D)]))
            let (output, _) = model.forward(part, masks: masks, rng: &rng)
            let nll = negativeLogLikelihood(output: output, target: part, configuration: model.configuration,
                                            region: region).perImageNLL
            sum += nll.reduce(0.0) { $0 + exp(-$1) }
        }
        return sum
    }

    /// Every variant an image of this shape has: 0...7 for square images, 0...3 otherwise.
    static func variants(of name: String, height H: Int, width W: Int) throws -> [(String, GenerationOrder)] {
        let base = try GenerationOrder(named: name, height: H, width: W)
        return try (0..<(H == W ? 8 : 4)).map { ("\(name)/\($0)", try base.variant($0)) }
    }

    static let orderNames = ["raster_scan", "s_curve", "gilbert2d", "s_curve_center_quarter_last"]

    // MARK: - Whole images

    /// Binarized 3x3 images (512 of them), every variant of every order that exists at 3x3, every normalisation.
    func testBinary3x3SumsToOne() throws {
        XCTAssertThrowsError(try GenerationOrder(named: "hilbert", height: 3, width: 3), "hilbert needs a power of two")
        let images = Self.allImages(channels: 1, height: 3, width: 3, levels: 2)
        XCTAssertEqual(images.shape, [512, 1, 3, 3])
        for (n, normalization) in Normalization.allCases.enumerated() {
            let cfg = ModelConfiguration(channels: 1, height: 3, width: 3, binarize: true, filters: 4, resnets: 1,
                                         kernelSize: 3, maxDilation: 2, normalization: normalization,
                                         learnWeightForMasks: n % 2 == 1)
            let model = try Self.model(cfg, seed: 500 + UInt64(n))
            for name in Self.orderNames {
                for (label, order) in try Self.variants(of: name, height: 3, width: 3) {
                    let masks = try OrderMasks(order: order, kernelSize: 3, maxDilation: 2)
                    let sum = Self.probabilitySum(model, images: images, masks: masks)
                    XCTAssertEqual(sum, 1, accuracy: 1e-6, "binary 3x3, \(normalization), \(label)")
                }
            }
        }
    }

    /// The test can fail: a first layer that lets a pixel see itself (a type B initial mask) is not normalised.
    func testLeakingMaskIsNotNormalized() throws {
        let cfg = ModelConfiguration(channels: 1, height: 3, width: 3, binarize: true, filters: 4, resnets: 1,
                                     kernelSize: 3, maxDilation: 2, normalization: .pono)
        let model = try Self.model(cfg, seed: 510)
        var masks = try OrderMasks(order: .sCurve(height: 3, width: 3), kernelSize: 3, maxDilation: 2)
        masks.initial = masks.undilated
        let sum = Self.probabilitySum(model, images: Self.allImages(channels: 1, height: 3, width: 3, levels: 2),
                                      masks: masks)
        XCTAssertGreaterThan(abs(sum - 1), 1e-2, "a model that sees the pixel it predicts sums to \(sum)")
    }

    /// Hilbert exists only for power-of-two squares: every variant at 2x2 (16 images), and 4x4 (65536 images,
    /// one variant) in release builds only.
    func testBinaryHilbertSumsToOne() throws {
        let cfg2 = ModelConfiguration(channels: 1, height: 2, width: 2, binarize: true, filters: 4, resnets: 1,
                                      kernelSize: 3, maxDilation: 2, normalization: .pono)
        let model2 = try Self.model(cfg2, seed: 520)
        let images2 = Self.allImages(channels: 1, height: 2, width: 2, levels: 2)
        for (label, order) in try Self.variants(of: "hilbert", height: 2, width: 2) {
            let sum = Self.probabilitySum(model2, images: images2,
                                          masks: try OrderMasks(order: order, kernelSize: 3, maxDilation: 2))
            XCTAssertEqual(sum, 1, accuracy: 1e-6, "binary 2x2, \(label)")
        }
        #if !DEBUG
        let cfg4 = ModelConfiguration(channels: 1, height: 4, width: 4, binarize: true, filters: 2, resnets: 0,
                                      kernelSize: 3, maxDilation: 2, normalization: .orderRescale)
        let model4 = try Self.model(cfg4, seed: 521)
        let order = try GenerationOrder(named: "hilbert", height: 4, width: 4).variant(5)
        let sum = Self.probabilitySum(model4, images: Self.allImages(channels: 1, height: 4, width: 4, levels: 2),
                                      masks: try OrderMasks(order: order, kernelSize: 3, maxDilation: 2))
        XCTAssertEqual(sum, 1, accuracy: 1e-6, "binary 4x4, hilbert/5")
        #endif
    }

    /// 2x2 RGB at n_bits = 1 (4096 images): a three-channel mixture, with the coefficients that make channels 1 and 2
    /// depend on the earlier channels of the same pixel, under every variant of raster_scan and s_curve.
    func testRGB2x2OneBitSumsToOne() throws {
        let images = Self.allImages(channels: 3, height: 2, width: 2, levels: 2)
        XCTAssertEqual(images.shape, [4096, 3, 2, 2])
        for (n, normalization) in [Normalization.pono, .weightNorm].enumerated() {
            let cfg = ModelConfiguration(channels: 3, height: 2, width: 2, binarize: false, filters: 4, resnets: 1,
                                         kernelSize: 3, maxDilation: 2, mixtures: 2, normalization: normalization,
                                         nBits: 1)
            let model = try Self.model(cfg, seed: 530 + UInt64(n))
            for name in ["raster_scan", "s_curve"] {
                for (label, order) in try Self.variants(of: name, height: 2, width: 2) {
                    let sum = Self.probabilitySum(model, images: images,
                                                  masks: try OrderMasks(order: order, kernelSize: 3, maxDilation: 2))
                    XCTAssertEqual(sum, 1, accuracy: 1e-6, "RGB 2x2 n_bits 1, \(normalization), \(label)")
                }
            }
        }
    }

    /// 2x2 RGB at n_bits = 2 (16.7 million images) is out of reach, but one pixel of it is not: with n_bits = 2 the
    /// mixture's bins (half-width 1/3) tile [-1, 1]; sum over the 64 values of the last pixel given the others.
    func testRGBTwoBitsLastPixelSumsToOne() throws {
        let cfg = ModelConfiguration(channels: 3, height: 2, width: 2, binarize: false, filters: 4, resnets: 1,
                                     kernelSize: 3, maxDilation: 2, mixtures: 3, normalization: .orderRescale, nBits: 2)
        let model = try Self.model(cfg, seed: 540)
        var rng = Xoshiro256(seed: 541)
        let order = try GenerationOrder(named: "s_curve", height: 2, width: 2).variant(6)
        let last = order.rowMajorIndices.last!
        let context = (0..<12).map { _ in Float(2 * Int(rng.next() % 4)) / 3 - 1 }
        let values = Self.allImages(channels: 3, height: 1, width: 1, levels: 4)   // (64, 3, 1, 1)
        var images = Tensor(shape: [64, 3, 2, 2])
        for i in 0..<64 { for c in 0..<3 { for q in 0..<4 {
            images.scalars[(i * 3 + c) * 4 + q] = q == last ? values.scalars[i * 3 + c] : context[c * 4 + q]
        } } }
        let region = (0..<4).map { $0 == last }
        let sum = Self.probabilitySum(model, images: images,
                                      masks: try OrderMasks(order: order, kernelSize: 3, maxDilation: 2), region: region)
        XCTAssertEqual(sum, 1, accuracy: 1e-6)
    }

    /// One channel at n_bits 2: the half-bin is 1/3, so the 4 levels tile [-1, 1]; a 2x2 image has 4^4 = 256 values.
    /// (The reference's one-channel half-bin, 1/255 whatever n_bits is, sums to 0.04...0.08 here.)
    func testGray2x2TwoBitsSumsToOne() throws {
        let images = Self.allImages(channels: 1, height: 2, width: 2, levels: 4)
        XCTAssertEqual(images.shape, [256, 1, 2, 2])
        for (n, normalization) in [Normalization.pono, .weightNorm].enumerated() {
            let cfg = ModelConfiguration(channels: 1, height: 2, width: 2, binarize: false, filters: 4, resnets: 1,
                                         kernelSize: 3, maxDilation: 2, mixtures: 3, normalization: normalization,
                                         nBits: 2)
            let model = try Self.model(cfg, seed: 560 + UInt64(n))
            for name in ["raster_scan", "s_curve", "hilbert"] {
                for (label, order) in try Self.variants(of: name, height: 2, width: 2) {
                    let sum = Self.probabilitySum(model, images: images,
                                                  masks: try OrderMasks(order: order, kernelSize: 3, maxDilation: 2))
                    XCTAssertEqual(sum, 1, accuracy: 1e-6, "gray 2x2 n_bits 2, \(normalization), \(label)")
                }
            }
        }
    }

    /// One channel at 8 bits (half-bin 1/255): a 1x2 image has 65536 values.
    func testGray1x2SumsToOne() throws {
        let images = Self.allImages(channels: 1, height: 1, width: 2, levels: 256)
        XCTAssertEqual(images.shape, [65536, 1, 1, 2])
        let cfg = ModelConfiguration(channels: 1, height: 1, width: 2, binarize: false, filters: 2, resnets: 0,
                                     kernelSize: 3, maxDilation: 1, mixtures: 2, normalization: .pono)
        let model = try Self.model(cfg, seed: 550)
        for (label, order) in try Self.variants(of: "raster_scan", height: 1, width: 2) {
            let sum = Self.probabilitySum(model, images: images,
                                          masks: try OrderMasks(order: order, kernelSize: 3, maxDilation: 1))
            XCTAssertEqual(sum, 1, accuracy: 1e-5, "gray 1x2, \(label)")
        }
    }

    // MARK: - Conditional normalisation

    /// An order that visits the observed pixels first (in a random sequence), then the region (in a random sequence).
    static func observedFirstOrder(height H: Int, width W: Int, region: [Bool],
                                   using rng: inout Xoshiro256) throws -> GenerationOrder {
        func shuffled(_ a: [Int]) -> [Int] {
            var a = a
            for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            return a
        }
        let observed = shuffled((0..<(H * W)).filter { !region[$0] })
        let hidden = shuffled((0..<(H * W)).filter { region[$0] })
        return try GenerationOrder(height: H, width: W,
                                   pixels: (observed + hidden).map { PixelCoordinate(row: $0 / W, col: $0 % W) })
    }

    /// The batch of images that agree with `context` outside `region` and take every combination of `levels` values
    /// on the region's sub-pixels.
    static func completions(of context: Tensor, region: [Bool], levels: Int) -> Tensor {
        let (C, H, W) = (context.shape[1], context.shape[2], context.shape[3])
        let HW = H * W
        let hidden = (0..<HW).filter { region[$0] }
        let values = allImages(channels: C, height: 1, width: hidden.count, levels: levels)   // (n, C, 1, |hidden|)
        let n = values.shape[0]
        var images = Tensor(shape: [n, C, H, W])
        for i in 0..<n {
            for c in 0..<C {
                for q in 0..<HW { images.scalars[(i * C + c) * HW + q] = context.scalars[c * HW + q] }
                for (k, q) in hidden.enumerated() {
                    images.scalars[(i * C + c) * HW + q] = values.scalars[(i * C + c) * hidden.count + k]
                }
            }
        }
        return images
    }

    /// Σ over the region's values of exp(−region NLL) = 1 for a fixed context, under an order that generates the
    /// observed pixels first, with and without the observed pixels marked in the masks.
    func checkConditional(_ cfg: ModelConfiguration, region: [Bool], levels: Int, orders: Int, seed: UInt64,
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try Self.model(cfg, seed: seed)
        var rng = Xoshiro256(seed: seed &+ 1)
        let context = Tensor(shape: [1, cfg.channels, cfg.height, cfg.width], scalars:
            (0..<(cfg.channels * cfg.height * cfg.width)).map { _ in
                Float(2 * Int(rng.next() % UInt64(levels))) / Float(levels - 1) - 1
            })
        let images = Self.completions(of: context, region: region, levels: levels)
        for o in 0..<orders {
            let order = try Self.observedFirstOrder(height: cfg.height, width: cfg.width, region: region, using: &rng)
            for observed in [nil, region.map { !$0 }] {
                let masks = try OrderMasks(order: order, kernelSize: cfg.kernelSize, maxDilation: cfg.maxDilation,
                                           observed: observed)
                let sum = Self.probabilitySum(model, images: images, masks: masks, region: region)
                XCTAssertEqual(sum, 1, accuracy: 1e-6, "order \(o), observed map \(observed != nil)",
                               file: file, line: line)
            }
        }
    }

    func testBinaryConditionalSumsToOne() throws {
        // 4x4, five hidden pixels (32 completions).
        let region = (0..<16).map { [1, 2, 6, 9, 15].contains($0) }
        for (n, normalization) in Normalization.allCases.enumerated() {
            let cfg = ModelConfiguration(channels: 1, height: 4, width: 4, binarize: true, filters: 4, resnets: 1,
                                         kernelSize: 3, maxDilation: 2, normalization: normalization)
            try checkConditional(cfg, region: region, levels: 2, orders: 3, seed: 600 + UInt64(n))
        }
    }

    func testRGBConditionalSumsToOne() throws {
        // 3x3 RGB at n_bits = 1, three hidden pixels (512 completions).
        let region = (0..<9).map { [0, 4, 5].contains($0) }
        let cfg = ModelConfiguration(channels: 3, height: 3, width: 3, binarize: false, filters: 4, resnets: 1,
                                     kernelSize: 3, maxDilation: 2, mixtures: 2, normalization: .pono, nBits: 1)
        try checkConditional(cfg, region: region, levels: 2, orders: 3, seed: 610)
    }

    func testGrayConditionalSumsToOne() throws {
        // 3x3 8-bit grayscale, one hidden pixel (256 completions).
        let region = (0..<9).map { $0 == 7 }
        let cfg = ModelConfiguration(channels: 1, height: 3, width: 3, binarize: false, filters: 4, resnets: 1,
                                     kernelSize: 3, maxDilation: 2, mixtures: 3, normalization: .weightNorm)
        try checkConditional(cfg, region: region, levels: 256, orders: 3, seed: 620)
    }

    /// Inpainting the centre: `s_curve_center_quarter_last` generates the centre 2x2 of a 4x4 image last.
    func testCentreQuarterLastConditionalSumsToOne() throws {
        let cfg = ModelConfiguration(channels: 1, height: 4, width: 4, binarize: true, filters: 4, resnets: 1,
                                     kernelSize: 3, maxDilation: 2, normalization: .pono)
        let model = try Self.model(cfg, seed: 630)
        let order = try GenerationOrder(named: "s_curve_center_quarter_last", height: 4, width: 4)
        let region = (0..<16).map { (1...2).contains($0 / 4) && (1...2).contains($0 % 4) }
        XCTAssertEqual(Set(order.rowMajorIndices.suffix(4)), Set((0..<16).filter { region[$0] }))
        var rng = Xoshiro256(seed: 631)
        for _ in 0..<3 {
            let context = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map { _ in rng.nextUniform() < 0.5 ? -1 : 1 })
            let images = Self.completions(of: context, region: region, levels: 2)
            for observed in [nil, region.map { !$0 }] {
                let masks = try OrderMasks(order: order, kernelSize: 3, maxDilation: 2, observed: observed)
                XCTAssertEqual(Self.probabilitySum(model, images: images, masks: masks, region: region), 1,
                               accuracy: 1e-6)
            }
        }
    }
}
