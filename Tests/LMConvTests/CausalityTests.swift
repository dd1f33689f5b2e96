import Foundation
import LMConv
import TestSupport
import XCTest

/// Causality: changing the pixel generated at step t leaves the network's output (every predicted distribution
/// parameter) at every pixel generated at step <= t bit-for-bit unchanged, and does change it at the later pixels that
/// read that pixel directly through the first layer's mask.
///
/// A pixel's value enters the network only through the first (type A) layer, at the locations whose mask has a tap on
/// it: its neighbours generated later. So for a random order a pixel whose neighbours all come earlier influences
/// nothing; the test checks that too (no change anywhere), which makes the statement exact in both directions.
final class CausalityTests: XCTestCase {
    struct Outcome {
        /// Outputs that changed though they must not have, or did not though they must.
        var violations: [String] = []
        /// Masks that read a later pixel.
        var maskViolations: [String] = []
        /// Steps whose pixel changed some output (all of them later).
        var influential = 0
        /// Steps whose pixel has no later neighbour, and so changed nothing.
        var isolated = 0
    }

    static func model(_ cfg: ModelConfiguration, seed: UInt64) throws -> LocallyMaskedPixelCNN {
        let model = try LocallyMaskedPixelCNN(configuration: cfg, seed: seed)
        var rng = Xoshiro256(seed: seed &+ 77)
        randomizeModelParameters(model, using: &rng)
        return model
    }

    static func randomOrder(height H: Int, width W: Int, using rng: inout Xoshiro256) throws -> GenerationOrder {
        var indices = Array(0..<(H * W))
        for i in stride(from: indices.count - 1, to: 0, by: -1) { indices.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        return try GenerationOrder(height: H, width: W, pixels: indices.map { PixelCoordinate(row: $0 / W, col: $0 % W) })
    }

    /// Runs the base image and, for every step t, the image with the pixel of step t changed, in one batch, and
    /// compares the outputs. With `observed`, observed pixels are not changed (they are context, not generated).
    static func causality(_ model: LocallyMaskedPixelCNN, order: GenerationOrder, masks: OrderMasks,
                          observed: [Bool]? = nil, seed: UInt64) -> Outcome {
        let cfg = model.configuration
        let (C, H, W, HW) = (cfg.channels, cfg.height, cfg.width, cfg.height * cfg.width)
        let levels = cfg.binarize ? 2 : (1 << cfg.nBits)
        func value(_ level: Int) -> Float { Float(2 * level) / Float(levels - 1) - 1 }
        var rng = Xoshiro256(seed: seed)
        let base = (0..<(C * HW)).map { _ in Int(rng.next() % UInt64(levels)) }   // levels, (C, H, W)
        let steps = order.rowMajorIndices, position = order.positions
        // Image t + 1 has the pixel of step t changed; image 0 is the base image. The base runs as a batch of B
        // copies too, so that every image is compared with the base at the same batch position: BLAS kernels round
        // the edge of a batch differently (by ~1e-7), and the comparison is bit for bit.
        let B = HW + 1
        var x = Tensor(shape: [B, C, H, W])
        var baseBatch = Tensor(shape: [B, C, H, W])
        for b in 0..<B {
            var levelsOfImage = base
            if b > 0 {
                let p = steps[b - 1]
                if observed?[p] != true {
                    // Change a random non-empty subset of the pixel's channels to other values.
                    let changed = (0..<C).filter { _ in rng.nextUniform() < 0.6 }
                    for c in (changed.isEmpty ? [Int(rng.next() % UInt64(C))] : changed) {
                        let shift = 1 + Int(rng.next() % UInt64(levels - 1))
                        levelsOfImage[c * HW + p] = (levelsOfImage[c * HW + p] + shift) % levels
                    }
                }
            }
            for i in 0..<(C * HW) {
                x.scalars[b * C * HW + i] = value(levelsOfImage[i])
                baseBatch.scalars[b * C * HW + i] = value(base[i])
            }
        }
        var forwardRNG = Xoshiro256(seed: 0)
        let output = model.forward(x, masks: masks, rng: &forwardRNG).output             // (OC, B, H, W)
        let baseOutput = model.forward(baseBatch, masks: masks, rng: &forwardRNG).output
        let OC = output.shape[0]
        func out(_ o: Int, _ b: Int, _ q: Int) -> Float { output.scalars[(o * B + b) * HW + q] }
        func baseOut(_ o: Int, _ b: Int, _ q: Int) -> Float { baseOutput.scalars[(o * B + b) * HW + q] }
        // The later neighbours that read pixel p through the first layer's mask.
        let k = masks.kernelSize
        func readers(of p: Int) -> [Int] {
            (0..<HW).filter { q in
                (0..<(k * k)).contains { j in
                    guard masks.initial.scalars[j * HW + q] != 0 else { return false }
                    let r = q / W + j / k - k / 2, c = q % W + j % k - k / 2
                    return r >= 0 && r < H && c >= 0 && c < W && r * W + c == p
                }
            }
        }
        var outcome = Outcome()
        for t in 0..<HW {
            let p = steps[t]
            if observed?[p] == true { continue }
            let changed = (0..<HW).filter { q in (0..<OC).contains { o in out(o, t + 1, q) != baseOut(o, t + 1, q) } }
            for q in changed where position[q] <= t {
                outcome.violations.append("changing step \(t) \(order.pixels[t]) changed the output at step "
                                          + "\(position[q]) \(order.pixels[position[q]])")
            }
            let direct = readers(of: p)
            for q in direct where position[q] <= t {
                outcome.maskViolations.append("the mask of step \(position[q]) reads the later step \(t)")
            }
            for q in direct where !changed.contains(q) {
                outcome.violations.append("changing step \(t) \(order.pixels[t]) left step \(position[q]) unchanged, "
                                          + "though its first layer reads it")
            }
            if direct.isEmpty && !changed.isEmpty {
                outcome.violations.append("step \(t) \(order.pixels[t]) has no reader but changed \(changed.count) pixels")
            }
            if changed.isEmpty { outcome.isolated += 1 } else { outcome.influential += 1 }
        }
        return outcome
    }

    func assertCausal(_ outcome: Outcome, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(outcome.violations.isEmpty,
                      "\(label): \(outcome.violations.count) violations, first: \(outcome.violations.prefix(3))",
                      file: file, line: line)
        XCTAssertTrue(outcome.maskViolations.isEmpty,
                      "\(label): \(outcome.maskViolations.count) mask violations, first: \(outcome.maskViolations.prefix(3))",
                      file: file, line: line)
    }

    /// The orders to check at H x W: random permutations, and every variant of every named order that exists there.
    static func orders(height H: Int, width W: Int, randomCount: Int,
                       using rng: inout Xoshiro256) throws -> [(String, GenerationOrder)] {
        var result: [(String, GenerationOrder)] = []
        for i in 0..<randomCount { result.append(("random \(i)", try randomOrder(height: H, width: W, using: &rng))) }
        for name in GenerationOrder.names {
            guard let base = try? GenerationOrder(named: name, height: H, width: W) else { continue }
            for v in 0..<(H == W ? 8 : 4) { result.append(("\(name)/\(v)", try base.variant(v))) }
        }
        return result
    }

    func checkModel(_ cfg: ModelConfiguration, randomOrders: Int, seed: UInt64,
                    file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try Self.model(cfg, seed: seed)
        var rng = Xoshiro256(seed: seed &+ 1)
        for (label, order) in try Self.orders(height: cfg.height, width: cfg.width, randomCount: randomOrders,
                                              using: &rng) {
            let masks = try OrderMasks(order: order, kernelSize: cfg.kernelSize, maxDilation: cfg.maxDilation)
            let outcome = Self.causality(model, order: order, masks: masks, seed: rng.next())
            assertCausal(outcome, "\(cfg.normalization), learn masks \(cfg.learnWeightForMasks), \(label)",
                         file: file, line: line)
            if !label.hasPrefix("random") {
                // In the named orders consecutive pixels are neighbours, so every pixel but the last has a reader.
                XCTAssertEqual(outcome.influential, cfg.height * cfg.width - 1, "\(label)", file: file, line: line)
            }
        }
    }

    func testBinary5x5() throws {
        for (n, normalization) in Normalization.allCases.enumerated() {
            let cfg = ModelConfiguration(channels: 1, height: 5, width: 5, binarize: true, filters: 4, resnets: 1,
                                         kernelSize: 3, maxDilation: 2, normalization: normalization,
                                         learnWeightForMasks: n % 2 == 0)
            try checkModel(cfg, randomOrders: 4, seed: 700 + UInt64(n))
        }
    }

    func testRGB4x4() throws {
        for (n, normalization) in Normalization.allCases.enumerated() {
            let cfg = ModelConfiguration(channels: 3, height: 4, width: 4, binarize: false, filters: 4, resnets: 1,
                                         kernelSize: 3, maxDilation: 2, mixtures: 2, normalization: normalization,
                                         nBits: n == 3 ? 5 : 8, learnWeightForMasks: n % 2 == 1)
            try checkModel(cfg, randomOrders: 4, seed: 710 + UInt64(n))
        }
    }

    /// Non-square gray images, a 5x5 kernel and dilation 3.
    func testGrayNonSquareLargeKernel() throws {
        let cfg = ModelConfiguration(channels: 1, height: 4, width: 6, binarize: false, filters: 4, resnets: 1,
                                     kernelSize: 5, maxDilation: 3, mixtures: 2, normalization: .pono)
        try checkModel(cfg, randomOrders: 3, seed: 720)
    }

    /// With observed pixels (completion), under an order that visits them first: changing a hidden pixel leaves the
    /// output at every observed pixel and every earlier hidden pixel unchanged.
    func testWithObservedPixels() throws {
        var rng = Xoshiro256(seed: 730)
        for normalization in Normalization.allCases {
            let cfg = ModelConfiguration(channels: 1, height: 5, width: 5, binarize: true, filters: 4, resnets: 1,
                                         kernelSize: 3, maxDilation: 2, normalization: normalization)
            let model = try Self.model(cfg, seed: rng.next())
            for _ in 0..<3 {
                let observed = (0..<25).map { _ in rng.nextUniform() < 0.5 }
                func shuffled(_ a: [Int]) -> [Int] {
                    var a = a
                    for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                    return a
                }
                let sequence = shuffled((0..<25).filter { observed[$0] }) + shuffled((0..<25).filter { !observed[$0] })
                let order = try GenerationOrder(height: 5, width: 5,
                                                pixels: sequence.map { PixelCoordinate(row: $0 / 5, col: $0 % 5) })
                let masks = try OrderMasks(order: order, kernelSize: 3, maxDilation: 2, observed: observed)
                assertCausal(Self.causality(model, order: order, masks: masks, observed: observed, seed: rng.next()),
                             "\(normalization), observed pixels")
            }
        }
    }

    /// Random orders have pixels whose neighbours all come first; they influence nothing (and that is checked).
    /// This test makes sure such pixels occur, and that the check catches a mask that leaks.
    func testChecksCanFail() throws {
        let cfg = ModelConfiguration(channels: 1, height: 5, width: 5, binarize: true, filters: 4, resnets: 1,
                                     kernelSize: 3, maxDilation: 2, normalization: .pono)
        let model = try Self.model(cfg, seed: 740)
        var rng = Xoshiro256(seed: 741)
        var isolated = 0
        for _ in 0..<4 {
            let order = try Self.randomOrder(height: 5, width: 5, using: &rng)
            let masks = try OrderMasks(order: order, kernelSize: 3, maxDilation: 2)
            isolated += Self.causality(model, order: order, masks: masks, seed: rng.next()).isolated
            // A first layer of type B: every pixel sees itself.
            var leaky = masks
            leaky.initial = masks.undilated
            XCTAssertFalse(Self.causality(model, order: order, masks: leaky, seed: rng.next()).violations.isEmpty)
            // The masks of another order.
            let other = try OrderMasks(order: order.reflectCols(), kernelSize: 3, maxDilation: 2)
            XCTAssertFalse(Self.causality(model, order: order, masks: other, seed: rng.next()).violations.isEmpty)
        }
        XCTAssertGreaterThan(isolated, 4, "random orders leave some pixels (besides the last) without a later neighbour")
    }
}
