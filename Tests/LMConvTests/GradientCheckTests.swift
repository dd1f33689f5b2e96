import Foundation
import LMConv
import TestSupport
import XCTest

/// Analytic backward passes against central finite differences (TestSupport/FiniteDifferences.swift): every layer,
/// the whole network under every normalisation and output type, and each likelihood with the edge cases of the
/// discretized logistic.
///
/// Layers are checked through a random projection: loss = Σ r ⊙ layer(inputs), evaluated in Double, whose gradient
/// is backward(r). Inputs are kept away from kinks (elu at 0, the log-scale clamp at −7, the likelihood's branch
/// switches) so that central differences are valid.
final class GradientCheckTests: XCTestCase {
    // MARK: - Helpers

    /// A random cotangent of the given shape: the Float tensor backward gets and the same values in Double.
    static func cotangent(_ shape: [Int], using rng: inout Xoshiro256) -> (Tensor, [Double]) {
        let t = uniformTensor(shape, in: -1...1, using: &rng)
        return (t, t.scalars.map(Double.init))
    }

    /// A random generation order (an explicit permutation) of an H x W image.
    static func randomOrder(height: Int, width: Int, using rng: inout Xoshiro256) -> GenerationOrder {
        var pixels = (0..<(height * width)).map { PixelCoordinate(row: $0 / width, col: $0 % width) }
        for i in stride(from: pixels.count - 1, to: 0, by: -1) {
            pixels.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        return try! GenerationOrder(height: height, width: width, pixels: pixels)
    }

    /// Parameters uniform in ±0.5, weight-norm gains in [0.5, 1.5] (away from 0, where g v/||v|| loses its scale).
    static func randomizeParameters(_ store: ParameterStore, using rng: inout Xoshiro256) {
        fillUniform(store, in: -0.5...0.5, using: &rng)
        for slot in store.slots where slot.name.hasSuffix("weight_g") {
            for i in 0..<slot.count { store.setValue(0.5 + rng.nextUniform(), at: slot.offset + i) }
        }
    }

    /// The scalars of a tensor held in a local variable, for ``assertGradient``.
    static func scalars(_ name: String, _ get: @escaping () -> Tensor, _ set: @escaping (Int, Float) -> Void)
        -> PerturbableScalars {
        PerturbableScalars(name: name, count: get().count, get: { get().scalars[$0] }, set: set)
    }

    // MARK: - The checker itself

    /// The checker must be able to fail: a gradient off by 2% in one element, or by a sign, is reported.
    func testCheckerRejectsWrongGradients() {
        var x: [Float] = [0.3, -1.2, 0.7, 2.0]
        let scalars = PerturbableScalars(name: "x", count: 4, get: { x[$0] }, set: { x[$0] = $1 })
        // loss = Σ sin(x_i) x_i², gradient cos(x) x² + 2 x sin(x)
        let loss = { x.reduce(0.0) { $0 + sin(Double($1)) * Double($1) * Double($1) } }
        let exact = x.map { v -> Float in Float(cos(Double(v)) * Double(v * v) + 2 * Double(v) * sin(Double(v))) }
        let options = FiniteDifferenceOptions(epsilon: 1e-3)
        XCTAssertTrue(checkGradient(scalars, analytic: exact, options: options, loss: loss).passed)
        var wrong = exact
        wrong[2] *= 1.02
        let report = checkGradient(scalars, analytic: wrong, options: options, loss: loss)
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.worstIndex, 2)
        XCTAssertFalse(checkGradient(scalars, analytic: exact.map { -$0 }, options: options, loss: loss).passed)
        XCTAssertEqual(x, [0.3, -1.2, 0.7, 2.0], "the checker restores every perturbed element")
        // A subset always contains the largest analytic entry.
        let subset = checkGradient(scalars, analytic: wrong.enumerated().map { $0.offset == 3 ? 100 : $0.element },
                                   options: FiniteDifferenceOptions(epsilon: 1e-3, maxElements: 1), loss: loss)
        XCTAssertEqual(subset.checked, 1)
        XCTAssertEqual(subset.worstIndex, 3)
        XCTAssertFalse(subset.passed)
    }

    // MARK: - Locally masked convolution

    func checkConvolution(_ label: String, channels C: Int, outputChannels OC: Int, batch B: Int, height H: Int,
                          width W: Int, kernelSize K: Int, dilation D: Int, bias: Bool, maskWeight: Bool,
                          weightNorm: Bool, maskType: MaskType = .b, seed: UInt64,
                          file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = Xoshiro256(seed: seed)
        let store = ParameterStore()
        let conv = LocallyMaskedConv2d(store: store, prefix: "conv", inputChannels: C, outputChannels: OC,
                                       kernelSize: K, dilation: D, bias: bias, learnedMaskWeight: maskWeight,
                                       weightNormalized: weightNorm)
        store.seal()
        Self.randomizeParameters(store, using: &rng)
        let order = Self.randomOrder(height: H, width: W, using: &rng)
        let mask = try kernelMask(order: order, kernelSize: K, dilation: D, type: maskType)
        var x = uniformTensor([C, B, H, W], using: &rng)
        let (dY, r) = Self.cotangent([OC, B, H, W], using: &rng)
        let loss = { projection(conv.forward(x, mask: mask, store: store).0, r) }
        let (_, cache) = conv.forward(x, mask: mask, store: store)
        store.zeroGradients()
        let dX = conv.backward(dY, cache: cache, store: store)
        // Linear in x and (without weight norm) in every parameter: only Float noise, so a large step is best.
        let options = FiniteDifferenceOptions(epsilon: weightNorm ? 3e-3 : 1e-2, relativeTolerance: 2e-3,
                                              scaleTolerance: 1e-3)
        assertGradient(Self.scalars("input", { x }, { x.scalars[$0] = $1 }), analytic: dX.scalars, options: options,
                       "\(label)", file: file, line: line, loss: loss)
        assertParameterGradients(store, options: options, "\(label)", file: file, line: line, loss: loss)
        XCTAssertEqual(store.slots.map(\.name).sorted(),
                       ((weightNorm ? ["conv.weight_g", "conv.weight_v"] : ["conv.weight"])
                        + (bias ? ["conv.bias"] : []) + (maskWeight ? ["conv.mask_weight"] : [])).sorted(),
                       file: file, line: line)
    }

    func testLocallyMaskedConvPlain() throws {
        try checkConvolution("plain", channels: 3, outputChannels: 4, batch: 2, height: 4, width: 5, kernelSize: 3,
                             dilation: 1, bias: false, maskWeight: false, weightNorm: false, seed: 1)
    }

    func testLocallyMaskedConvWithBias() throws {
        try checkConvolution("bias", channels: 2, outputChannels: 3, batch: 2, height: 5, width: 4, kernelSize: 3,
                             dilation: 1, bias: true, maskWeight: false, weightNorm: false, maskType: .a, seed: 2)
    }

    func testLocallyMaskedConvWithLearnedMaskWeight() throws {
        try checkConvolution("mask weight", channels: 2, outputChannels: 3, batch: 3, height: 4, width: 4,
                             kernelSize: 3, dilation: 1, bias: true, maskWeight: true, weightNorm: false, seed: 3)
    }

    func testLocallyMaskedConvWeightNormalized() throws {
        try checkConvolution("weight norm", channels: 3, outputChannels: 2, batch: 2, height: 3, width: 5,
                             kernelSize: 3, dilation: 1, bias: true, maskWeight: true, weightNorm: true, seed: 4)
    }

    func testLocallyMaskedConvDilated() throws {
        try checkConvolution("dilation 2", channels: 2, outputChannels: 3, batch: 2, height: 5, width: 6,
                             kernelSize: 3, dilation: 2, bias: true, maskWeight: false, weightNorm: false, seed: 5)
        try checkConvolution("dilation 2, weight norm, k 5", channels: 2, outputChannels: 2, batch: 1, height: 6,
                             width: 5, kernelSize: 5, dilation: 2, bias: true, maskWeight: true, weightNorm: true,
                             seed: 6)
    }

    // MARK: - Network in network

    func testNetworkInNetwork() {
        var rng = Xoshiro256(seed: 10)
        let store = ParameterStore()
        let nin = NetworkInNetwork(store: store, prefix: "nin", inputChannels: 5, outputChannels: 3)
        store.seal()
        Self.randomizeParameters(store, using: &rng)
        XCTAssertEqual(store.slots.map(\.name), ["nin.lin_a.weight_g", "nin.lin_a.weight_v", "nin.lin_a.bias"])
        var x = uniformTensor([5, 2, 3, 4], using: &rng)
        let (dY, r) = Self.cotangent([3, 2, 3, 4], using: &rng)
        let loss = { projection(nin.forward(x, store: store).0, r) }
        let (_, cache) = nin.forward(x, store: store)
        store.zeroGradients()
        let dX = nin.backward(dY, cache: cache, store: store)
        let options = FiniteDifferenceOptions(epsilon: 3e-3, relativeTolerance: 2e-3)
        assertGradient(Self.scalars("input", { x }, { x.scalars[$0] = $1 }), analytic: dX.scalars, options: options,
                       loss: loss)
        assertParameterGradients(store, options: options, loss: loss)
    }

    // MARK: - Activations and normalisations

    func testConcatELU() {
        var rng = Xoshiro256(seed: 20)
        // Magnitudes at least 0.05, twenty steps from the kink of elu at 0.
        var x = uniformTensorAwayFromZero([3, 2, 2, 3], magnitude: 0.05...2.5, using: &rng)
        let (dY, r) = Self.cotangent([6, 2, 2, 3], using: &rng)
        let dX = concatELUBackward(dY, input: x)
        assertGradient(Self.scalars("concat_elu input", { x }, { x.scalars[$0] = $1 }), analytic: dX.scalars,
                       options: FiniteDifferenceOptions(epsilon: 1e-3, relativeTolerance: 1e-3)) {
            projection(concatELU(x), r)
        }
        let (dE, e) = Self.cotangent(x.shape, using: &rng)
        assertGradient(Self.scalars("elu input", { x }, { x.scalars[$0] = $1 }),
                       analytic: eluBackward(dE, input: x).scalars,
                       options: FiniteDifferenceOptions(epsilon: 1e-3, relativeTolerance: 1e-3)) {
            projection(eluForward(x), e)
        }
    }

    /// PONO, order_rescale and the identity normalisations, through normalizationForward/Backward.
    func testNormalizations() throws {
        var rng = Xoshiro256(seed: 30)
        let (C, B, H, W) = (4, 2, 3, 4)
        let mask = try kernelMask(order: Self.randomOrder(height: H, width: W, using: &rng), kernelSize: 3,
                                  dilation: 1, type: .b)
        for normalization in Normalization.allCases {
            // Three channels and more: with two, PONO is ±sqrt(2)·sign(x0 − x1) but within ~3e-3 of x0 = x1, a
            // gradient that is 0 or too sharp for a Float central difference.
            for channels in [C, 3] {
                var x = uniformTensor([channels, B, H, W], in: -2...2, using: &rng)
                let (dY, r) = Self.cotangent(x.shape, using: &rng)
                let (_, cache) = normalizationForward(normalization, x, mask: mask)
                let dX = normalizationBackward(dY, cache: cache)
                assertGradient(Self.scalars("\(normalization) input, C = \(channels)", { x }, { x.scalars[$0] = $1 }),
                               analytic: dX.scalars,
                               options: FiniteDifferenceOptions(epsilon: 1e-3, relativeTolerance: 3e-3,
                                                                scaleTolerance: 1e-3)) {
                    projection(normalizationForward(normalization, x, mask: mask).0, r)
                }
            }
        }
    }

    // MARK: - Gated resnet

    func checkGatedResnet(normalization: Normalization, skip: Bool, maskWeight: Bool, dropout: Float = 0,
                          seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = Xoshiro256(seed: seed)
        let (F, B, H, W) = (3, 2, 4, 3)
        let store = ParameterStore()
        let block = GatedResnet(store: store, prefix: "block", filters: F, kernelSize: 3, hasSkipInput: skip,
                                normalization: normalization, bias: true, learnedMaskWeight: maskWeight,
                                dropout: dropout)
        store.seal()
        Self.randomizeParameters(store, using: &rng)
        let mask = try kernelMask(order: Self.randomOrder(height: H, width: W, using: &rng), kernelSize: 3,
                                  dilation: 1, type: .b)
        // og and the skip input go through concat_elu first: keep them away from 0.
        var og = uniformTensorAwayFromZero([F, B, H, W], magnitude: 0.1...1.5, using: &rng)
        var a = uniformTensorAwayFromZero([F, B, H, W], magnitude: 0.1...1.5, using: &rng)
        let (dY, r) = Self.cotangent([F, B, H, W], using: &rng)
        let dropoutSeed = rng.next()
        func run() -> (Tensor, GatedResnet.Cache) {
            var dropoutRNG = DropoutGenerators(seed: dropoutSeed, count: B)   // the same mask on every evaluation
            return block.forward(og, skip: skip ? a : nil, mask: mask, store: store, training: dropout > 0,
                                 rng: &dropoutRNG)
        }
        let loss = { projection(run().0, r) }
        let (_, cache) = run()
        store.zeroGradients()
        let (dOG, dSkip) = block.backward(dY, cache: cache, store: store)
        XCTAssertEqual(dSkip == nil, !skip, file: file, line: line)
        let label = "gated resnet, \(normalization), skip \(skip), mask weight \(maskWeight), dropout \(dropout)"
        let options = FiniteDifferenceOptions(epsilon: 1e-3, relativeTolerance: 1e-2, scaleTolerance: 2e-3)
        assertGradient(Self.scalars("og", { og }, { og.scalars[$0] = $1 }), analytic: dOG.scalars, options: options,
                       label, file: file, line: line, loss: loss)
        if let dSkip {
            assertGradient(Self.scalars("skip", { a }, { a.scalars[$0] = $1 }), analytic: dSkip.scalars,
                           options: options, label, file: file, line: line, loss: loss)
        }
        assertParameterGradients(store, options: options, label, file: file, line: line, loss: loss)
    }

    func testGatedResnetWithoutSkip() throws {
        for (i, normalization) in Normalization.allCases.enumerated() {
            try checkGatedResnet(normalization: normalization, skip: false, maskWeight: i % 2 == 0, seed: 40 + UInt64(i))
        }
    }

    func testGatedResnetWithSkip() throws {
        for (i, normalization) in Normalization.allCases.enumerated() {
            try checkGatedResnet(normalization: normalization, skip: true, maskWeight: i % 2 == 1, seed: 50 + UInt64(i))
        }
    }

    func testGatedResnetWithDropout() throws {
        try checkGatedResnet(normalization: .pono, skip: true, maskWeight: false, dropout: 0.4, seed: 60)
    }

    // MARK: - The whole network

    enum OutputKind: CaseIterable { case binary, gray, rgb }

    func checkNetwork(_ kind: OutputKind, normalization: Normalization, learnMasks: Bool, nBits: Int = 8,
                      seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = Xoshiro256(seed: seed)
        var cfg = ModelConfiguration(channels: kind == .rgb ? 3 : 1, height: 4, width: 4, binarize: kind == .binary,
                                     filters: 4, resnets: 1, kernelSize: 3, maxDilation: 2, mixtures: 2,
                                     normalization: normalization, nBits: nBits, convBias: true,
                                     learnWeightForMasks: learnMasks)
        cfg.dropout = 0
        let model = try LocallyMaskedPixelCNN(configuration: cfg, seed: seed)
        let store = model.parameters
        // Weights larger than PyTorch's initialisation, so that every layer's gradient stands well above the Float
        // noise of the forward pass.
        randomizeModelParameters(model, using: &rng)
        let B = 2, C = cfg.channels
        let x: Tensor
        switch kind {
        case .binary:
            x = Tensor(shape: [B, 1, 4, 4], scalars: (0..<(B * 16)).map { _ in rng.nextUniform() < 0.5 ? -1 : 1 })
        case .gray, .rgb:
            let levels = kind == .gray ? 255 : (1 << nBits) - 1
            x = Tensor(shape: [B, C, 4, 4], scalars: (0..<(B * C * 16)).map { _ in
                Float(2 * Int(rng.next() % UInt64(levels + 1))) / Float(levels) - 1
            })
        }
        let order = try (seed % 2 == 0 ? Self.randomOrder(height: 4, width: 4, using: &rng)
                         : GenerationOrder(named: "s_curve", height: 4, width: 4).variant(Int(seed % 8)))
        let masks = try OrderMasks(order: order, kernelSize: 3, maxDilation: 2)
        var forwardRNG = Xoshiro256(seed: 0)
        let loss = { () -> Double in
            negativeLogLikelihood(output: model.forward(x, masks: masks, rng: &forwardRNG).output, target: x,
                                  configuration: cfg).total
        }
        let (output, cache) = model.forward(x, masks: masks, rng: &forwardRNG)
        let evaluation = negativeLogLikelihood(output: output, target: x, configuration: cfg, wantGradient: true)
        store.zeroGradients()
        model.backward(evaluation.dOutput!, cache: cache)
        let label = "network \(kind), \(normalization), learn masks \(learnMasks), n_bits \(nBits)"
        // Deep and in Float: a few elements of every parameter, with a step large enough to beat the Float noise.
        // Small entries are judged against the largest gradient of the whole network rather than of their tensor.
        let largest = Double(store.allGradients.map(abs).max() ?? 0)
        XCTAssertGreaterThan(largest, 0, file: file, line: line)
        let options = FiniteDifferenceOptions(epsilon: 1e-3, relativeTolerance: 2e-2, absoluteTolerance: 1e-3 * largest,
                                              scaleTolerance: 0, maxElements: 5, seed: seed)
        assertParameterGradients(store, options: options, label, file: file, line: line, loss: loss)
        XCTAssertEqual(store.slots.contains { $0.name.hasSuffix("mask_weight") }, learnMasks, file: file, line: line)
    }

    func testNetworkBinary() throws {
        for (i, normalization) in Normalization.allCases.enumerated() {
            for learnMasks in [false, true] {
                try checkNetwork(.binary, normalization: normalization, learnMasks: learnMasks,
                                 seed: 100 + UInt64(2 * i) + (learnMasks ? 1 : 0))
            }
        }
    }

    func testNetworkOneChannelMixture() throws {
        for (i, normalization) in Normalization.allCases.enumerated() {
            for learnMasks in [false, true] {
                try checkNetwork(.gray, normalization: normalization, learnMasks: learnMasks,
                                 seed: 200 + UInt64(2 * i) + (learnMasks ? 1 : 0))
            }
        }
    }

    func testNetworkThreeChannelMixture() throws {
        for (i, normalization) in Normalization.allCases.enumerated() {
            for learnMasks in [false, true] {
                try checkNetwork(.rgb, normalization: normalization, learnMasks: learnMasks,
                                 nBits: learnMasks ? 5 : 8, seed: 300 + UInt64(2 * i) + (learnMasks ? 1 : 0))
            }
        }
    }
}
