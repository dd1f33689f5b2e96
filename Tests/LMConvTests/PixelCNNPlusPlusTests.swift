import Foundation
import LMConv
import TestSupport
import XCTest

/// The whole PixelCNN++ network: its backward pass against central finite differences for every output type,
/// causality in raster order, exact normalisation over every image of a tiny size, and its configuration.
final class PixelCNNPlusPlusTests: XCTestCase {
    // MARK: - Helpers

    static func configuration(_ kind: GradientCheckTests.OutputKind, height: Int, width: Int, filters: Int = 4,
                              resnets: Int = 1, nBits: Int = 8) -> ModelConfiguration {
        ModelConfiguration(channels: kind == .rgb ? 3 : 1, height: height, width: width, binarize: kind == .binary,
                           filters: filters, resnets: resnets, mixtures: 2, normalization: .weightNorm, nBits: nBits,
                           network: .pixelCNNPlusPlus)
    }

    /// A model whose outputs depend strongly on its input: weights and `weight_v` U(±scale/sqrt(fan_in)), gains
    /// U[0.5, 1.5], biases U(±0.5) (as TestSupport's randomizeModelParameters does for the locally masked network).
    static func model(_ cfg: ModelConfiguration, seed: UInt64, weightScale: Float = 1.5) throws -> PixelCNNPlusPlus {
        let model = try PixelCNNPlusPlus(configuration: cfg, seed: seed)
        var rng = Xoshiro256(seed: seed &+ 1000)
        let store = model.parameters
        for slot in store.slots {
            let fanIn = Float(slot.count / slot.shape[0]).squareRoot()
            for i in 0..<slot.count {
                let u = rng.nextUniform()
                let value = slot.name.hasSuffix("weight_g") ? 0.5 + u
                    : slot.name.hasSuffix(".weight_v") ? (2 * u - 1) * weightScale / fanIn : u - 0.5
                store.setValue(value, at: slot.offset + i)
            }
        }
        return model
    }

    /// Random images (B, C, H, W) at the configuration's levels (±1 when binarized).
    static func images(_ cfg: ModelConfiguration, count B: Int, using rng: inout Xoshiro256) -> Tensor {
        let levels = cfg.binarize ? 2 : (cfg.channels == 1 ? 256 : 1 << cfg.nBits)
        let n = B * cfg.channels * cfg.height * cfg.width
        return Tensor(shape: [B, cfg.channels, cfg.height, cfg.width], scalars: (0..<n).map { _ in
            Float(2 * Int(rng.next() % UInt64(levels))) / Float(levels - 1) - 1
        })
    }

    // MARK: - Configuration

    func testConfigurationNamesTheNetwork() throws {
        XCTAssertThrowsError(try PixelCNNPlusPlus(configuration: ModelConfiguration())) { error in
            XCTAssertTrue((error as? LMConvError)?.message.contains("pixelcnn++") == true, "\(error)")
        }
        let cfg = Self.configuration(.gray, height: 4, width: 4)
        let data = try JSONEncoder().encode(cfg)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"network\":\"pixelcnn++\""))
        XCTAssertEqual(try JSONDecoder().decode(ModelConfiguration.self, from: data), cfg)
        // A configuration written before the field existed is the locally masked network's.
        let old = Data(#"{"channels":1,"rows":28,"cols":28,"binarize":true,"nr_filters":8}"#.utf8)
        XCTAssertEqual(try JSONDecoder().decode(ModelConfiguration.self, from: old).network, .lmconv)
        // Every parameter under the reference's names: R + (R+1) + (R+1) down blocks, 3R up blocks, two streams.
        let model = try PixelCNNPlusPlus(configuration: Self.configuration(.rgb, height: 8, width: 8, resnets: 2))
        let names = Set(model.parameters.slots.map(\.name))
        XCTAssertTrue(names.contains("down_layers.2.ul_stream.2.nin_skip.lin_a.weight_v"))
        XCTAssertFalse(names.contains("down_layers.0.ul_stream.2.conv_input.conv.bias"))
        XCTAssertFalse(names.contains("up_layers.0.u_stream.0.nin_skip.lin_a.bias"))
        XCTAssertEqual(model.parameters.slot(named: "nin_out.lin_a.weight_v")?.shape, [20, 4])
        XCTAssertEqual(model.parameters.slot(named: "upsize_ul_stream.1.deconv.weight_v")?.shape, [4, 4, 2, 2])
        // 3 (bias, weight_g, weight_v) per convolution and nin: up blocks 3 x 2 x (6 + 9), down blocks 8 x (9 + 9),
        // 4 downsize and 4 upsize, u_init, ul_init.0 and .1, nin_out.
        XCTAssertEqual(model.parameters.slots.count, 90 + 144 + 12 + 12 + 3 + 6 + 3)
    }

    // MARK: - Finite differences

    func checkNetwork(_ kind: GradientCheckTests.OutputKind, height H: Int, width W: Int, nBits: Int = 8,
                      dropout: Float = 0, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = Xoshiro256(seed: seed)
        var cfg = Self.configuration(kind, height: H, width: W, nBits: nBits)
        cfg.dropout = dropout
        let model = try Self.model(cfg, seed: seed)
        let store = model.parameters
        let x = Self.images(cfg, count: 2, using: &rng)
        let dropoutSeed = rng.next()
        func run() -> (Tensor, PixelCNNPlusPlus.Cache) {
            var dropoutRNG = Xoshiro256(seed: dropoutSeed)   // the same dropout masks on every evaluation
            return model.forward(x, training: dropout > 0, rng: &dropoutRNG)
        }
        let loss = { negativeLogLikelihood(output: run().0, target: x, configuration: cfg).total }
        let (output, cache) = run()
        let evaluation = negativeLogLikelihood(output: output, target: x, configuration: cfg, wantGradient: true)
        store.zeroGradients()
        model.backward(evaluation.dOutput!, cache: cache)
        let label = "PixelCNN++ \(kind) \(H)x\(W), n_bits \(nBits), dropout \(dropout)"
        // Deep and in Float: a few elements of every parameter, judged against the network's largest gradient.
        let largest = Double(store.allGradients.map(abs).max() ?? 0)
        XCTAssertGreaterThan(largest, 0, file: file, line: line)
        let options = FiniteDifferenceOptions(epsilon: 1e-3, relativeTolerance: 2e-2, absoluteTolerance: 1e-3 * largest,
                                              scaleTolerance: 0, maxElements: 4, seed: seed)
        assertParameterGradients(store, options: options, label, file: file, line: line, loss: loss)
    }

    func testNetworkGradients() throws {
        try checkNetwork(.binary, height: 4, width: 4, seed: 1)
        try checkNetwork(.gray, height: 5, width: 3, seed: 2)
        try checkNetwork(.rgb, height: 4, width: 4, nBits: 5, seed: 3)
        try checkNetwork(.gray, height: 4, width: 4, dropout: 0.3, seed: 4)
    }

    // MARK: - Causality

    /// Changing the pixel at raster position t (every channel of it) leaves every output at positions <= t
    /// bit-for-bit unchanged, and changes some later output (the next one when it is in the same row, which reads
    /// pixel t through the ul stream's first layer).
    func checkCausality(_ cfg: ModelConfiguration, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try Self.model(cfg, seed: seed)
        var rng = Xoshiro256(seed: seed &+ 5)
        let (C, H, W, HW) = (cfg.channels, cfg.height, cfg.width, cfg.height * cfg.width)
        let base = Self.images(cfg, count: 1, using: &rng)
        // Image t + 1 has pixel t changed; the base runs as a batch of copies too, so that every image is compared
        // with the base at the same batch position (BLAS rounds the edge of a batch differently).
        let B = HW + 1
        var x = Tensor(shape: [B, C, H, W]), baseBatch = Tensor(shape: [B, C, H, W])
        for b in 0..<B {
            for i in 0..<(C * HW) { x.scalars[b * C * HW + i] = base.scalars[i]; baseBatch.scalars[b * C * HW + i] = base.scalars[i] }
            if b > 0 {
                // v -> −v/2 − 1/4 changes every value of the data's grids.
                for c in 0..<C {
                    let i = b * C * HW + c * HW + b - 1
                    x.scalars[i] = -0.5 * x.scalars[i] - 0.25
                }
            }
        }
        var forwardRNG = Xoshiro256(seed: 0)
        let output = model.forward(x, rng: &forwardRNG).output          // (OC, B, H, W)
        let baseOutput = model.forward(baseBatch, rng: &forwardRNG).output
        let OC = output.shape[0]
        var violations: [String] = []
        for t in 0..<HW {
            let b = t + 1
            func changed(_ q: Int) -> Bool {
                (0..<OC).contains { output.scalars[(($0 * B) + b) * HW + q] != baseOutput.scalars[(($0 * B) + b) * HW + q] }
            }
            if let q = (0...t).first(where: changed) { violations.append("pixel \(t) changed the output at \(q)") }
            if t + 1 < HW, !((t + 1)..<HW).contains(where: changed) { violations.append("pixel \(t) changed nothing") }
            if (t + 1) % W != 0, !changed(t + 1) { violations.append("pixel \(t) did not change the next output") }
        }
        XCTAssertEqual(violations, [], "\(cfg.shortDescription)", file: file, line: line)
    }

    func testCausality() throws {
        try checkCausality(Self.configuration(.gray, height: 5, width: 6), seed: 20)
        try checkCausality(Self.configuration(.rgb, height: 8, width: 8, resnets: 2), seed: 21)
        try checkCausality(Self.configuration(.binary, height: 7, width: 4), seed: 22)
        try checkCausality(Self.configuration(.gray, height: 4, width: 4, resnets: 0), seed: 23)
    }

    // MARK: - Exact normalisation

    /// Σ exp(−NLL) over every image in `images` (N, C, H, W), from the network's output at each pixel, or (when
    /// `leak`) from the output one raster position later, which has seen the pixel it scores.
    static func probabilitySum(_ model: PixelCNNPlusPlus, images: Tensor, leak: Bool = false) -> Double {
        var rng = Xoshiro256(seed: 0)
        var output = model.forward(images, rng: &rng).output            // (OC, N, H, W)
        if leak {
            let HW = images.shape[2] * images.shape[3]
            for row in 0..<(output.count / HW) {
                for q in 0..<(HW - 1) { output.scalars[row * HW + q] = output.scalars[row * HW + q + 1] }
            }
        }
        let nll = negativeLogLikelihood(output: output, target: images, configuration: model.configuration).perImageNLL
        return nll.reduce(0.0) { $0 + exp(-$1) }
    }

    func testBinary3x3SumsToOne() throws {
        let images = NormalizationSumTests.allImages(channels: 1, height: 3, width: 3, levels: 2)
        XCTAssertEqual(images.shape, [512, 1, 3, 3])
        for (seed, resnets) in [(UInt64(30), 1), (31, 2)] {
            let model = try Self.model(Self.configuration(.binary, height: 3, width: 3, resnets: resnets), seed: seed)
            XCTAssertEqual(Self.probabilitySum(model, images: images), 1, accuracy: 1e-6, "binary 3x3, R \(resnets)")
        }
        // The test can fail: scoring each pixel with an output that has seen it is not normalised.
        let model = try Self.model(Self.configuration(.binary, height: 3, width: 3), seed: 30)
        let leaked = Self.probabilitySum(model, images: images, leak: true)
        XCTAssertGreaterThan(abs(leaked - 1), 1e-3, "a model that sees the pixel it predicts sums to \(leaked)")
    }

    /// Every RGB 2x2 image at 1 bit (4096), through the three-channel mixture with its channel coefficients.
    func testRGB2x2OneBitSumsToOne() throws {
        let model = try Self.model(Self.configuration(.rgb, height: 2, width: 2, nBits: 1), seed: 32)
        let images = NormalizationSumTests.allImages(channels: 3, height: 2, width: 2, levels: 2)
        XCTAssertEqual(Self.probabilitySum(model, images: images), 1, accuracy: 1e-6, "rgb 2x2, 1 bit")
    }
}
