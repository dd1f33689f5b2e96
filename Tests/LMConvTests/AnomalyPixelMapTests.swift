import Foundation
import LMConv
import TestSupport
import XCTest

/// Per-pixel NLL maps: under every order each image's map sums to its NLL under that order, and the detector's
/// scores are the documented functions of the per-order NLLs, the compressor and the background and generic models.
final class AnomalyPixelMapTests: XCTestCase {
    static func randomModel(_ cfg: ModelConfiguration, seed: UInt64) throws -> LocallyMaskedPixelCNN {
        let model = try LocallyMaskedPixelCNN(configuration: cfg, seed: seed)
        var rng = Xoshiro256(seed: seed &+ 5)
        randomizeModelParameters(model, weightScale: 0.8, using: &rng)
        return model
    }

    static func randomImages(count: Int, channels: Int, height: Int, width: Int, seed: UInt64) -> ImageDataset {
        var rng = Xoshiro256(seed: seed)
        return ImageDataset(count: count, channels: channels, height: height, width: width,
                            pixels: (0..<(count * channels * height * width)).map { _ in UInt8(rng.next() >> 56) })
    }

    static let configurations = [
        ModelConfiguration(channels: 1, height: 6, width: 5, binarize: true, filters: 4, resnets: 1),
        ModelConfiguration(channels: 1, height: 6, width: 5, binarize: false, filters: 4, resnets: 1, mixtures: 2),
        ModelConfiguration(channels: 3, height: 5, width: 5, binarize: false, filters: 4, resnets: 1, mixtures: 2, nBits: 5),
    ]

    func testMapsSumToTheImageNLLUnderEveryOrder() throws {
        for (n, cfg) in Self.configurations.enumerated() {
            let model = try Self.randomModel(cfg, seed: UInt64(n))
            let data = Self.randomImages(count: 3, channels: cfg.channels, height: cfg.height, width: cfg.width, seed: 9)
            var rng = Xoshiro256(seed: 1)
            let x = Tensor(shape: [3, cfg.channels, cfg.height, cfg.width],
                           scalars: data.networkInput([0, 1, 2], encoding: cfg.inputEncoding(), rng: &rng))
            let orders = try OrderSpecification(names: ["s_curve", "raster_scan"], variants: 8)
                .orders(height: cfg.height, width: cfg.width)
            for order in orders.prefix(3) + orders.suffix(2) {
                let map = try model.pixelNegativeLogLikelihoods(of: x, order: order)
                let nll = try model.negativeLogLikelihood(of: x, order: order)
                XCTAssertEqual(map.count, 3 * cfg.height * cfg.width)
                XCTAssertTrue(map.allSatisfy { $0 >= 0 && $0.isFinite }, "a pixel's −log p is a finite, non-negative number")
                for b in 0..<3 {
                    let sum = map[(b * cfg.height * cfg.width)..<((b + 1) * cfg.height * cfg.width)].reduce(0, +)
                    XCTAssertEqual(sum, nll[b], accuracy: 1e-9 * nll[b], "configuration \(n), image \(b)")
                }
            }
        }
    }

    /// The detector's numbers from the per-order NLLs (``LocallyMaskedPixelCNN/negativeLogLikelihood(of:order:region:)``)
    /// and the compressor: ensemble bpd, complexity, likelihood ratio, generic ratio, spread, and maps averaging the
    /// orders.
    func testDetectorScoresFollowTheirDefinitions() throws {
        let cfg = Self.configurations[1]
        let model = try Self.randomModel(cfg, seed: 3), background = try Self.randomModel(cfg, seed: 4)
        let generic = try Self.randomModel(cfg, seed: 6)
        let spec = OrderSpecification(names: ["s_curve"], variants: 8)
        var detector = try AnomalyDetector(main: .init(model: model, orders: spec, orderCount: 3),
                                           background: .init(model: background, orders: spec, orderCount: 2),
                                           generic: .init(model: generic, orders: spec, orderCount: 1),
                                           encoding: cfg.inputEncoding())
        detector.batchSize = 2    // batches of 2, 2 and 1
        XCTAssertEqual(detector.compressor, .context, "8-bit images' default compressor")
        let data = Self.randomImages(count: 5, channels: 1, height: cfg.height, width: cfg.width, seed: 2)
        let report = try detector.score(data)
        XCTAssertEqual(report.images.map(\.index), [0, 1, 2, 3, 4])
        XCTAssertEqual(report.orderNames, ["s_curve", "s_curve.reflect_rows", "s_curve.reflect_cols"])
        XCTAssertEqual(report.backgroundOrderNames.count, 2)
        XCTAssertEqual(report.genericOrderNames, ["s_curve"])
        XCTAssertEqual(Set(report.availableScores), Set(AnomalyScore.allCases))

        let orders = try spec.orders(height: cfg.height, width: cfg.width)
        var rng = Xoshiro256(seed: 0)
        let x = Tensor(shape: [5, 1, cfg.height, cfg.width],
                       scalars: data.networkInput(Array(0..<5), encoding: cfg.inputEncoding(), rng: &rng))
        let (ensemble, perOrder) = try model.ensembleNegativeLogLikelihood(of: x, orders: Array(orders.prefix(3)))
        let (backgroundEnsemble, _) = try background.ensembleNegativeLogLikelihood(of: x, orders: Array(orders.prefix(2)))
        let (genericEnsemble, _) = try generic.ensembleNegativeLogLikelihood(of: x, orders: [orders[0]])
        // The detector ran batches of 2, this one batch of 5: float rounding in the network differs by ~1e-8.
        let D = Double(cfg.height * cfg.width), toBits = 1 / log(2.0), tolerance = 1e-6
        for (b, image) in report.images.enumerated() {
            XCTAssertEqual(image.nll, ensemble[b] * toBits / D, accuracy: tolerance)
            for k in 0..<3 { XCTAssertEqual(image.perOrderNLL[k], perOrder[k][b] * toBits / D, accuracy: tolerance) }
            XCTAssertEqual(image.backgroundNLL!, backgroundEnsemble[b] * toBits / D, accuracy: tolerance)
            XCTAssertEqual(image.likelihoodRatio!, image.nll - image.backgroundNLL!, accuracy: 1e-12)
            XCTAssertEqual(image.genericNLL!, genericEnsemble[b] * toBits / D, accuracy: tolerance)
            XCTAssertEqual(image.genericRatio!, image.nll - image.genericNLL!, accuracy: 1e-12)
            XCTAssertNotEqual(image.genericNLL!, image.backgroundNLL!, accuracy: 1e-3, "two different models")
            let bits = ComplexityCompressor.context.codeLengthBits(levels: image.levels[...], channels: 1,
                                                                   height: cfg.height, width: cfg.width, bitDepth: 8)
            XCTAssertEqual(image.codeLengthBits, bits)
            XCTAssertEqual(image.complexity, image.nll - bits / D, accuracy: 1e-12)
            let mean = image.perOrderNLL.reduce(0, +) / 3
            let spread = (image.perOrderNLL.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
            XCTAssertEqual(image.orderSpread, spread, accuracy: 1e-12)
            XCTAssertGreaterThan(image.orderSpread, 0)
            // The map sums to the mean per-order NLL in bits; the encoded pixels are the image's 8-bit values.
            XCTAssertEqual(image.pixelMap.reduce(0, +), mean * D, accuracy: 1e-9)
            XCTAssertEqual(image.backgroundPixelMap?.count, cfg.height * cfg.width)
            // The generic model's map sums to its NLL (one order: the ensemble), and the ratio map is the difference.
            let genericMap = try XCTUnwrap(image.genericPixelMap), ratioMap = try XCTUnwrap(image.genericRatioPixelMap)
            XCTAssertEqual(genericMap.reduce(0, +), image.genericNLL! * D, accuracy: 1e-6)
            for i in 0..<(cfg.height * cfg.width) { XCTAssertEqual(ratioMap[i], image.pixelMap[i] - genericMap[i]) }
            XCTAssertEqual(image.levels, Array(data.image(b)))
        }
    }

    /// Pixel-level metrics score every pixel by the chosen map: the plain map by default, or any other of the image.
    func testPixelMetricsOfAChosenMap() throws {
        let cfg = Self.configurations[0]
        let model = try Self.randomModel(cfg, seed: 8), generic = try Self.randomModel(cfg, seed: 9)
        let detector = try AnomalyDetector(main: .init(model: model, orders: OrderSpecification(), orderCount: 1),
                                           generic: .init(model: generic, orders: OrderSpecification(), orderCount: 1),
                                           encoding: .threshold(128))
        let report = try detector.score(Self.randomImages(count: 3, channels: 1, height: cfg.height, width: cfg.width, seed: 5))
        let HW = cfg.height * cfg.width
        let anomalous = (0..<3).map { b in (0..<HW).map { ($0 + b) % 4 == 0 } }
        func expected(_ map: (ImageAnomalyScores) -> [Double]) throws -> DetectionMetrics {
            var positives: [Double] = [], negatives: [Double] = []
            for (image, mask) in zip(report.images, anomalous) {
                for (v, a) in zip(map(image), mask) { if a { positives.append(v) } else { negatives.append(v) } }
            }
            return try DetectionMetrics(positives: positives, negatives: negatives)
        }
        XCTAssertEqual(try report.pixelMetrics(anomalous: anomalous).auroc, try expected { $0.pixelMap }.auroc)
        let ratio = try report.pixelMetrics(anomalous: anomalous, map: { $0.genericRatioPixelMap! })
        XCTAssertEqual(ratio.auroc, try expected { $0.genericRatioPixelMap! }.auroc)
        XCTAssertNotEqual(ratio.auroc, try report.pixelMetrics(anomalous: anomalous).auroc)
        XCTAssertThrowsError(try report.pixelMetrics(anomalous: anomalous, map: { _ in [1, 2] })) {
            XCTAssertTrue("\($0)".contains("a pixel map of 2 values"), "\($0)")
        }
    }

    /// One order: no spread; binarized models' maps come from the same binarised images the compressor sees.
    func testOneOrderAndBinarizedEncoding() throws {
        let cfg = Self.configurations[0]
        let model = try Self.randomModel(cfg, seed: 8)
        var detector = try AnomalyDetector(main: .init(model: model, orders: OrderSpecification(), orderCount: 1),
                                           encoding: .threshold(128))
        detector.keepPixelMaps = false
        XCTAssertEqual(detector.compressor, .context8, "binary images' default compressor")
        detector.compressor = .png
        let data = Self.randomImages(count: 4, channels: 1, height: cfg.height, width: cfg.width, seed: 3)
        let report = try detector.score(data)
        XCTAssertEqual(report.availableScores, [.nll, .complexity, .orderSpread])
        XCTAssertTrue(report.images.allSatisfy {
            $0.orderSpread == 0 && $0.likelihoodRatio == nil && $0.genericRatio == nil && $0.pixelMap.isEmpty
        })
        for image in report.images {
            let levels = data.image(image.index).map { $0 >= 128 ? UInt8(1) : 0 }
            XCTAssertEqual(image.codeLengthBits, ComplexityCompressor.png.codeLengthBits(
                levels: levels[...], channels: 1, height: cfg.height, width: cfg.width, bitDepth: 1))
        }
    }

    func testMismatchedModelsAndOrderCountsThrow() throws {
        let binary = try Self.randomModel(Self.configurations[0], seed: 1)
        let gray = try Self.randomModel(Self.configurations[1], seed: 1)
        let spec = OrderSpecification(names: ["s_curve"], variants: 1)
        XCTAssertThrowsError(try AnomalyDetector(main: .init(model: gray, orders: spec),
                                                 background: .init(model: binary, orders: spec), encoding: .bits(8)))
        XCTAssertThrowsError(try AnomalyDetector(main: .init(model: gray, orders: spec),
                                                 generic: .init(model: binary, orders: spec), encoding: .bits(8))) {
            XCTAssertTrue("\($0)".contains("generic model is binarized"), "\($0)")
        }
        XCTAssertThrowsError(try AnomalyDetector(main: .init(model: gray, orders: spec), encoding: .threshold(128)))
        let detector = try AnomalyDetector(main: .init(model: gray, orders: spec, orderCount: 2), encoding: .bits(8))
        XCTAssertThrowsError(try detector.score(Self.randomImages(count: 1, channels: 1, height: 6, width: 5, seed: 1))) {
            XCTAssertTrue("\($0)".contains("2 orders"), "\($0)")
        }
    }

    /// Noise squares: the right size, inside the image, and only their pixels change.
    func testNoiseSquares() throws {
        let data = Self.randomImages(count: 20, channels: 3, height: 7, width: 9, seed: 4)
        let (noisy, squares) = try data.pastingNoiseSquares(size: 3, seed: 2)
        XCTAssertEqual(squares.count, 20)
        var changed = 0
        for i in 0..<20 {
            XCTAssertEqual(squares[i].filter { $0 }.count, 9)
            let rows = Set((0..<63).filter { squares[i][$0] }.map { $0 / 9 })
            let cols = Set((0..<63).filter { squares[i][$0] }.map { $0 % 9 })
            XCTAssertEqual(rows.count, 3)
            XCTAssertEqual(cols.count, 3)
            for c in 0..<3 { for q in 0..<63 {
                let before = data.image(i)[data.image(i).startIndex + c * 63 + q]
                let after = noisy.image(i)[noisy.image(i).startIndex + c * 63 + q]
                if !squares[i][q] { XCTAssertEqual(before, after) } else if before != after { changed += 1 }
            } }
        }
        XCTAssertGreaterThan(changed, 20 * 27 * 9 / 10)
        XCTAssertThrowsError(try data.pastingNoiseSquares(size: 8, seed: 1))
    }
}
