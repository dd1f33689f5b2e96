import Foundation
import LMConv
import TestSupport
import XCTest

/// The shifted convolutions of PixelCNN++ against direct loops over the reference's definitions (zero padding then
/// a plain convolution; ConvTranspose2d then a crop), and their backward passes and the gated resnet against central
/// finite differences.
final class ShiftedConvolutionTests: XCTestCase {
    // MARK: - Helpers

    /// The effective weight g v / ||v|| (rows over the first axis) of `<prefix>.weight_g` / `<prefix>.weight_v`.
    static func effectiveWeight(_ store: ParameterStore, _ prefix: String) -> Tensor {
        let v = store.tensor(store.slot(named: prefix + ".weight_v")!)
        let g = store.tensor(store.slot(named: prefix + ".weight_g")!)
        let rows = v.shape[0], columns = v.count / rows
        var w = v
        for o in 0..<rows {
            let norm = (0..<columns).reduce(0.0) { $0 + Double(v.scalars[o * columns + $1]) * Double(v.scalars[o * columns + $1]) }
                .squareRoot()
            for i in 0..<columns { w.scalars[o * columns + i] = Float(Double(g.scalars[o]) * Double(v.scalars[o * columns + i]) / norm) }
        }
        return w
    }

    static func bias(_ store: ParameterStore, _ name: String) -> [Float] { store.tensor(store.slot(named: name)!).scalars }

    static func randomize(_ store: ParameterStore, using rng: inout Xoshiro256) {
        GradientCheckTests.randomizeParameters(store, using: &rng)
    }

    // MARK: - Against direct loops

    /// The reference's down_shifted_conv2d / down_right_shifted_conv2d: ZeroPad2d((left, right, top, 0)), Conv2d with
    /// stride s, then optionally down_shift / right_shift (drop the last row / column, a zero one in front).
    static func directConvolution(_ x: Tensor, weight: Tensor, bias: [Float], kind: ShiftKind, stride s: Int,
                                  shiftsOutput: Bool) -> Tensor {
        let (C, B, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (OC, KH, KW) = (weight.shape[0], weight.shape[2], weight.shape[3])
        let top = KH - 1, (left, right) = kind == .down ? ((KW - 1) / 2, (KW - 1) / 2) : (KW - 1, 0)
        let Ho = (H + top - KH) / s + 1, Wo = (W + left + right - KW) / s + 1
        var y = Tensor(shape: [OC, B, Ho, Wo])
        for o in 0..<OC { for b in 0..<B { for i in 0..<Ho { for j in 0..<Wo {
            var sum = Double(bias[o])
            for ci in 0..<C { for r in 0..<KH { for c in 0..<KW {
                let (pr, pc) = (i * s + r - top, j * s + c - left)   // padded (pr + top, pc + left) -> input
                guard pr >= 0, pr < H, pc >= 0, pc < W else { continue }
                sum += Double(weight[o, ci, r, c]) * Double(x[ci, b, pr, pc])
            } } }
            y[o, b, i, j] = Float(sum)
        } } } }
        guard shiftsOutput else { return y }
        var shifted = Tensor(shape: y.shape)
        for o in 0..<OC { for b in 0..<B { for i in 0..<Ho { for j in 0..<Wo {
            if kind == .down, i > 0 { shifted[o, b, i, j] = y[o, b, i - 1, j] }
            if kind == .downRight, j > 0 { shifted[o, b, i, j] = y[o, b, i, j - 1] }
        } } } }
        return shifted
    }

    func testShiftedConvolutionMatchesDirectLoops() {
        var rng = Xoshiro256(seed: 1)
        let layers: [(ShiftKind, Int, Int, Int, Bool)] = [   // kind, KH, KW, stride, shift
            (.down, 2, 3, 1, false), (.down, 2, 3, 2, false), (.down, 2, 3, 1, true), (.down, 1, 3, 1, true),
            (.downRight, 2, 2, 1, false), (.downRight, 2, 2, 2, false), (.downRight, 2, 1, 1, true),
        ]
        for (kind, KH, KW, s, shift) in layers {
            for (H, W) in [(4, 5), (5, 3), (3, 3), (1, 1), (2, 7)] {
                let store = ParameterStore()
                let conv = ShiftedConv2d(store: store, prefix: "c", kind: kind, inputChannels: 3, outputChannels: 2,
                                         kernelHeight: KH, kernelWidth: KW, stride: s, shiftsOutput: shift)
                store.seal()
                Self.randomize(store, using: &rng)
                let x = uniformTensor([3, 2, H, W], using: &rng)
                let y = conv.forward(x, store: store).0
                let expected = Self.directConvolution(x, weight: Self.effectiveWeight(store, "c.conv"),
                                                      bias: Self.bias(store, "c.conv.bias"), kind: kind, stride: s,
                                                      shiftsOutput: shift)
                XCTAssertEqual(y.shape, expected.shape, "\(kind) \(KH)x\(KW) stride \(s) at \(H)x\(W)")
                XCTAssertEqual(y.shape[2], (H - 1) / s + 1)
                assertClose(y.scalars, expected.scalars, relativeTolerance: 1e-5, absoluteTolerance: 1e-6,
                            "\(kind) \(KH)x\(KW) stride \(s) shift \(shift) at \(H)x\(W)")
            }
        }
    }

    /// The reference's down_shifted_deconv2d / down_right_shifted_deconv2d: ConvTranspose2d(stride s,
    /// output_padding 1) over the whole grid, then rows [0, Ho) and columns [left, left + Wo), left = (KW − 1)/2 or 0.
    static func directTransposedConvolution(_ x: Tensor, weight: Tensor, bias: [Float], kind: ShiftKind, stride s: Int,
                                            outputHeight Ho: Int, outputWidth Wo: Int) -> Tensor {
        let (Cin, B, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (Cout, KH, KW) = (weight.shape[1], weight.shape[2], weight.shape[3])
        let (fullH, fullW) = ((h - 1) * s + KH + 1, (w - 1) * s + KW + 1)
        var full = [Double](repeating: 0, count: Cout * B * fullH * fullW)
        for ci in 0..<Cin { for o in 0..<Cout { for b in 0..<B { for i in 0..<h { for j in 0..<w {
            for r in 0..<KH { for c in 0..<KW {
                full[((o * B + b) * fullH + i * s + r) * fullW + j * s + c] += Double(x[ci, b, i, j]) * Double(weight[ci, o, r, c])
            } }
        } } } } }
        let left = kind == .down ? (KW - 1) / 2 : 0
        var y = Tensor(shape: [Cout, B, Ho, Wo])
        for o in 0..<Cout { for b in 0..<B { for i in 0..<Ho { for j in 0..<Wo {
            y[o, b, i, j] = Float(full[((o * B + b) * fullH + i) * fullW + j + left] + Double(bias[o]))
        } } } }
        return y
    }

    func testTransposedConvolutionMatchesDirectLoops() {
        var rng = Xoshiro256(seed: 2)
        for (kind, KW) in [(ShiftKind.down, 3), (.downRight, 2)] {
            // The reference's (2h, 2w) and the smaller crops of odd image sizes.
            for (h, w, Ho, Wo) in [(3, 4, 6, 8), (2, 2, 3, 4), (1, 1, 2, 2), (1, 1, 1, 1), (2, 3, 4, 5)] {
                let store = ParameterStore()
                let deconv = ShiftedConvTranspose2d(store: store, prefix: "d", kind: kind, inputChannels: 3,
                                                    outputChannels: 2, kernelHeight: 2, kernelWidth: KW, stride: 2)
                store.seal()
                Self.randomize(store, using: &rng)
                XCTAssertEqual(store.slot(named: "d.deconv.weight_v")?.shape, [3, 2, 2, KW])
                XCTAssertEqual(store.slot(named: "d.deconv.weight_g")?.shape, [3, 1, 1, 1])
                let x = uniformTensor([3, 2, h, w], using: &rng)
                let y = deconv.forward(x, outputHeight: Ho, outputWidth: Wo, store: store).0
                let expected = Self.directTransposedConvolution(
                    x, weight: Self.effectiveWeight(store, "d.deconv"), bias: Self.bias(store, "d.deconv.bias"),
                    kind: kind, stride: 2, outputHeight: Ho, outputWidth: Wo)
                XCTAssertEqual(y.shape, [2, 2, Ho, Wo])
                assertClose(y.scalars, expected.scalars, relativeTolerance: 1e-5, absoluteTolerance: 1e-6,
                            "\(kind) deconv \(h)x\(w) -> \(Ho)x\(Wo)")
            }
        }
    }

    // MARK: - Finite differences

    func testShiftedConvolutionGradients() {
        var rng = Xoshiro256(seed: 3)
        let layers: [(ShiftKind, Int, Int, Int, Bool)] = [
            (.down, 2, 3, 1, false), (.down, 2, 3, 2, false), (.down, 1, 3, 1, true),
            (.downRight, 2, 2, 1, false), (.downRight, 2, 2, 2, false), (.downRight, 2, 1, 1, true),
        ]
        for (kind, KH, KW, s, shift) in layers {
            let store = ParameterStore()
            let conv = ShiftedConv2d(store: store, prefix: "c", kind: kind, inputChannels: 3, outputChannels: 2,
                                     kernelHeight: KH, kernelWidth: KW, stride: s, shiftsOutput: shift)
            store.seal()
            Self.randomize(store, using: &rng)
            var x = uniformTensor([3, 2, 5, 4], using: &rng)
            let (out, cache) = conv.forward(x, store: store)
            let (dY, r) = GradientCheckTests.cotangent(out.shape, using: &rng)
            store.zeroGradients()
            let dX = conv.backward(dY, cache: cache, store: store)
            let loss = { projection(conv.forward(x, store: store).0, r) }
            let label = "\(kind) \(KH)x\(KW) stride \(s) shift \(shift)"
            let options = FiniteDifferenceOptions(epsilon: 3e-3, relativeTolerance: 2e-3, scaleTolerance: 1e-3)
            assertGradient(GradientCheckTests.scalars("input", { x }, { x.scalars[$0] = $1 }), analytic: dX.scalars,
                           options: options, label, loss: loss)
            assertParameterGradients(store, options: options, label, loss: loss)
        }
    }

    func testTransposedConvolutionGradients() {
        var rng = Xoshiro256(seed: 4)
        for (kind, KW) in [(ShiftKind.down, 3), (.downRight, 2)] {
            for (h, w, Ho, Wo) in [(2, 3, 4, 6), (2, 2, 3, 3)] {
                let store = ParameterStore()
                let deconv = ShiftedConvTranspose2d(store: store, prefix: "d", kind: kind, inputChannels: 3,
                                                    outputChannels: 2, kernelHeight: 2, kernelWidth: KW, stride: 2)
                store.seal()
                Self.randomize(store, using: &rng)
                var x = uniformTensor([3, 2, h, w], using: &rng)
                let (dY, r) = GradientCheckTests.cotangent([2, 2, Ho, Wo], using: &rng)
                let (_, cache) = deconv.forward(x, outputHeight: Ho, outputWidth: Wo, store: store)
                store.zeroGradients()
                let dX = deconv.backward(dY, cache: cache, store: store)
                let loss = { projection(deconv.forward(x, outputHeight: Ho, outputWidth: Wo, store: store).0, r) }
                let label = "\(kind) deconv \(h)x\(w) -> \(Ho)x\(Wo)"
                let options = FiniteDifferenceOptions(epsilon: 3e-3, relativeTolerance: 2e-3, scaleTolerance: 1e-3)
                assertGradient(GradientCheckTests.scalars("input", { x }, { x.scalars[$0] = $1 }),
                               analytic: dX.scalars, options: options, label, loss: loss)
                assertParameterGradients(store, options: options, label, loss: loss)
            }
        }
    }

    func checkGatedResnet(kind: ShiftKind, skipInputs S: Int, dropout: Float, seed: UInt64,
                          file: StaticString = #filePath, line: UInt = #line) {
        var rng = Xoshiro256(seed: seed)
        let (F, B, H, W) = (3, 2, 4, 3)
        let store = ParameterStore()
        let block = ShiftedGatedResnet(store: store, prefix: "block", kind: kind, filters: F, skipInputs: S,
                                       dropout: dropout)
        store.seal()
        Self.randomize(store, using: &rng)
        XCTAssertEqual(store.slot(named: "block.nin_skip.lin_a.weight_v")?.shape, S > 0 ? [F, 2 * S * F] : nil,
                       file: file, line: line)
        // og and the skip input go through concat_elu first: keep them away from 0.
        var og = uniformTensorAwayFromZero([F, B, H, W], magnitude: 0.1...1.5, using: &rng)
        var a = uniformTensorAwayFromZero([max(1, S) * F, B, H, W], magnitude: 0.1...1.5, using: &rng)
        let (dY, r) = GradientCheckTests.cotangent([F, B, H, W], using: &rng)
        let dropoutSeed = rng.next()
        func run() -> (Tensor, ShiftedGatedResnet.Cache) {
            var dropoutRNG = DropoutGenerators(seed: dropoutSeed, count: og.shape[1])   // the same mask every time
            return block.forward(og, skip: S > 0 ? a : nil, store: store, training: dropout > 0, rng: &dropoutRNG)
        }
        let loss = { projection(run().0, r) }
        let (_, cache) = run()
        store.zeroGradients()
        let (dOG, dSkip) = block.backward(dY, cache: cache, store: store)
        XCTAssertEqual(dSkip == nil, S == 0, file: file, line: line)
        let label = "shifted gated resnet, \(kind), skip \(S), dropout \(dropout)"
        let options = FiniteDifferenceOptions(epsilon: 1e-3, relativeTolerance: 1e-2, scaleTolerance: 2e-3)
        assertGradient(GradientCheckTests.scalars("og", { og }, { og.scalars[$0] = $1 }), analytic: dOG.scalars,
                       options: options, label, file: file, line: line, loss: loss)
        if let dSkip {
            assertGradient(GradientCheckTests.scalars("skip", { a }, { a.scalars[$0] = $1 }), analytic: dSkip.scalars,
                           options: options, label, file: file, line: line, loss: loss)
        }
        assertParameterGradients(store, options: options, label, file: file, line: line, loss: loss)
    }

    func testGatedResnetGradients() {
        checkGatedResnet(kind: .down, skipInputs: 0, dropout: 0, seed: 10)
        checkGatedResnet(kind: .downRight, skipInputs: 1, dropout: 0, seed: 11)
        checkGatedResnet(kind: .down, skipInputs: 1, dropout: 0, seed: 12)
        checkGatedResnet(kind: .downRight, skipInputs: 2, dropout: 0.4, seed: 13)
    }
}
