import LMConv
import TestSupport
import XCTest

/// Every layer's one-location step (what the autoregressive session runs) against its full forward pass, at every
/// location, for every normalisation, with and without bias and learned mask weights.
final class LayerStepTests: XCTestCase {
    let (B, H, W, K) = (3, 5, 6, 3)
    var HW: Int { H * W }

    /// Random values in [-1, 1).
    func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = Xoshiro256(seed: seed)
        return (0..<count).map { _ in rng.nextUniform() * 2 - 1 }
    }

    /// A feature map (HW, C, B) of x (C, B, H, W), as the incremental machinery keeps it.
    func featureMap(_ x: Tensor) -> [Float] {
        let C = x.shape[0]
        var map = [Float](repeating: 0, count: HW * C * B)
        for q in 0..<HW { for c in 0..<C { for b in 0..<B { map[(q * C + c) * B + b] = x.scalars[(c * B + b) * HW + q] } } }
        return map
    }

    /// The features (C, nb) of images b0..<b0+nb at q from y (C, B, H, W).
    func column(_ y: Tensor, at q: Int, b0: Int = 0, nb: Int? = nil) -> [Float] {
        let C = y.shape[0], n = nb ?? B
        return (0..<C).flatMap { c in (0..<n).map { y.scalars[(c * B + b0 + $0) * HW + q] } }
    }

    func order(seed: UInt64) throws -> GenerationOrder {
        var rng = Xoshiro256(seed: seed)
        var pixels = (0..<HW).map { PixelCoordinate(row: $0 / W, col: $0 % W) }
        pixels.shuffle(using: &rng)
        return try GenerationOrder(height: H, width: W, pixels: pixels)
    }

    /// Parameters perturbed away from their initial values, so bias and mask weights matter.
    func perturb(_ store: ParameterStore, seed: UInt64) {
        var rng = Xoshiro256(seed: seed)
        store.allValues = store.allValues.map { $0 + 0.2 * rng.nextNormal() }
    }

    func testConvolutionStepMatchesForwardAtEveryLocation() throws {
        for (index, (dilation, type, bias, maskWeight, normalized)) in
            [(1, MaskType.a, true, false, false), (1, .b, true, true, true), (2, .b, false, true, false)].enumerated() {
            let C = 4, OC = 5, what = "dilation \(dilation), type \(type), bias \(bias), mask weight \(maskWeight)"
            let store = ParameterStore()
            let conv = LocallyMaskedConv2d(store: store, prefix: "c", inputChannels: C, outputChannels: OC,
                                           kernelSize: K, dilation: dilation, bias: bias, learnedMaskWeight: maskWeight,
                                           weightNormalized: normalized)
            store.seal()
            var rng = Xoshiro256(seed: UInt64(index))
            conv.initialize(store, using: &rng)
            perturb(store, seed: UInt64(10 + index))
            let mask = try kernelMask(order: order(seed: UInt64(20 + index)), kernelSize: K, dilation: dilation, type: type)
            let x = Tensor(shape: [C, B, H, W], scalars: random(C * B * HW, seed: UInt64(30 + index)))
            let (y, _) = conv.forward(x, mask: mask, store: store)
            let map = featureMap(x), taps = TapTable(mask: mask, kernelSize: K, dilation: dilation, height: H, width: W)
            let weights = conv.stepWeights(store)
            var out = [Float](repeating: 0, count: OC * B), columns = [Float](repeating: 0, count: K * K * C * B)
            for q in 0..<HW {
                for (b0, nb) in [(0, B), (1, B - 1)] {
                    LocallyMaskedConv2d.step(weights, taps: taps, at: q, input: map, batch: B, b0: b0, nb: nb,
                                             into: &out, columns: &columns)
                    assertClose(Array(out[0..<(OC * nb)]), column(y, at: q, b0: b0, nb: nb), relativeTolerance: 1e-5,
                                absoluteTolerance: 1e-5, "\(what): location \(q), images \(b0)..<\(b0 + nb)")
                }
            }
            // The tile form (the prefill's): all locations in tiles of 4.
            let locations = Array(0..<HW)
            for start in stride(from: 0, to: HW, by: 4) {
                let tile = Array(locations[start..<min(start + 4, HW)])
                var tileOut = [Float](repeating: 0, count: OC * tile.count * B)
                var tileColumns = [Float](repeating: 0, count: K * K * C * tile.count * B)
                LocallyMaskedConv2d.step(weights, taps: taps, tile: tile, input: map, batch: B, into: &tileOut,
                                         columns: &tileColumns)
                for (l, q) in tile.enumerated() {
                    let got = (0..<OC).flatMap { o in (0..<B).map { tileOut[o * tile.count * B + l * B + $0] } }
                    assertClose(got, column(y, at: q), relativeTolerance: 1e-5, absoluteTolerance: 1e-5,
                                "\(what): tile location \(q)")
                }
            }
        }
    }

    func testNetworkInNetworkStepMatchesForward() throws {
        let C = 6, OC = 4
        let store = ParameterStore()
        let nin = NetworkInNetwork(store: store, prefix: "n", inputChannels: C, outputChannels: OC)
        store.seal()
        var rng = Xoshiro256(seed: 1)
        nin.initialize(store, using: &rng)
        perturb(store, seed: 2)
        let x = Tensor(shape: [C, B, H, W], scalars: random(C * B * HW, seed: 3))
        let (y, _) = nin.forward(x, store: store)
        let weights = nin.stepWeights(store)
        for q in 0..<HW {
            var out = [Float](repeating: 0, count: OC * B)
            NetworkInNetwork.step(weights, input: column(x, at: q), nb: B, into: &out, ldy: B)
            assertClose(out, column(y, at: q), relativeTolerance: 1e-5, absoluteTolerance: 1e-6, "location \(q)")
        }
    }

    func testNormalizationStepMatchesForward() throws {
        let C = 7
        let mask = try kernelMask(order: order(seed: 4), kernelSize: K, dilation: 1, type: .b)
        let taps = TapTable(mask: mask, kernelSize: K, dilation: 1, height: H, width: W)
        let x = Tensor(shape: [C, B, H, W], scalars: random(C * B * HW, seed: 5))
        for normalization in Normalization.allCases {
            let (y, _) = normalizationForward(normalization, x, mask: mask)
            for q in 0..<HW {
                var block = column(x, at: q), statistics = [Float](repeating: 0, count: 2 * B)
                normalizationStep(normalization, &block, channels: C, nb: B, inverseCount: taps.inverseCount[q],
                                  statistics: &statistics)
                assertClose(block, column(y, at: q), relativeTolerance: 1e-5, absoluteTolerance: 1e-6,
                            "\(normalization) at \(q)")
            }
        }
    }

    func testGatedResnetStepMatchesForwardAtEveryLocation() throws {
        let F = 4
        for (index, normalization) in Normalization.allCases.enumerated() {
            for hasSkip in [false, true] {
                let what = "\(normalization), skip \(hasSkip)"
                let store = ParameterStore()
                let block = GatedResnet(store: store, prefix: "r", filters: F, kernelSize: K, hasSkipInput: hasSkip,
                                        normalization: normalization, bias: true, learnedMaskWeight: index % 2 == 0,
                                        dropout: 0)
                store.seal()
                var rng = Xoshiro256(seed: UInt64(40 + index))
                block.initialize(store, using: &rng)
                perturb(store, seed: UInt64(50 + index))
                let mask = try kernelMask(order: order(seed: UInt64(60 + index)), kernelSize: K, dilation: 1, type: .b)
                let og = Tensor(shape: [F, B, H, W], scalars: random(F * B * HW, seed: UInt64(70 + index)))
                let skip = Tensor(shape: [F, B, H, W], scalars: random(F * B * HW, seed: UInt64(80 + index)))
                var dropout = DropoutGenerators(seed: 0, count: 0)
                let (expected, _) = block.forward(og, skip: hasSkip ? skip : nil, mask: mask, store: store,
                                                  training: false, rng: &dropout)
                let taps = TapTable(mask: mask, kernelSize: K, dilation: 1, height: H, width: W)
                let weights = block.stepWeights(store)
                // First half at every location (conv_out reads the hidden state of neighbours), then the second.
                let input = featureMap(concatELU(og)), skipCE = concatELU(skip)
                var hiddenMap = [Float](repeating: 0, count: HW * 2 * F * B)
                var columns = [Float](repeating: 0, count: K * K * 2 * F * B)
                var statistics = [Float](repeating: 0, count: 2 * B), term = [Float](repeating: 0, count: F * B)
                for q in 0..<HW {
                    var x = [Float](repeating: 0, count: F * B)
                    LocallyMaskedConv2d.step(weights.convInput, taps: taps, at: q, input: input, batch: B, b0: 0, nb: B,
                                             into: &x, columns: &columns)
                    let s = column(skipCE, at: q)
                    s.withUnsafeBufferPointer { s in
                        GatedResnet.stepHidden(weights, &x, skipConcatELU: hasSkip ? s.baseAddress! : nil, filters: F,
                                               nb: B, normalization: normalization,
                                               inverseCount: taps.inverseCount[q], statistics: &statistics, term: &term)
                    }
                    for c in 0..<F { for b in 0..<B {
                        let (p, n) = concatELUPair(x[c * B + b])
                        hiddenMap[(q * 2 * F + c) * B + b] = p
                        hiddenMap[(q * 2 * F + F + c) * B + b] = n
                    } }
                }
                for q in 0..<HW {
                    var h = [Float](repeating: 0, count: 2 * F * B)
                    LocallyMaskedConv2d.step(weights.convOut, taps: taps, at: q, input: hiddenMap, batch: B, b0: 0,
                                             nb: B, into: &h, columns: &columns)
                    var out = column(og, at: q)
                    GatedResnet.stepGate(&h, output: &out, filters: F, nb: B, normalization: normalization,
                                         inverseCount: taps.inverseCount[q], statistics: &statistics)
                    assertClose(out, column(expected, at: q), relativeTolerance: 1e-4, absoluteTolerance: 1e-5,
                                "\(what): location \(q)")
                }
            }
        }
    }
}
