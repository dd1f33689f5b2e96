import Foundation
import LMConv
import TestSupport
import XCTest

// MARK: - The likelihoods alone

extension GradientCheckTests {
    /// The likelihood is computed in Double from Float outputs: central differences in Double are accurate to
    /// ~1e-10, so these checks are tight.
    static let likelihoodOptions = FiniteDifferenceOptions(epsilon: 1e-5, relativeTolerance: 5e-4,
                                                           absoluteTolerance: 1e-9, scaleTolerance: 1e-6)

    func checkLikelihoodGradient(output: Tensor, target: Tensor, configuration cfg: ModelConfiguration,
                                 region: [Bool]? = nil, _ label: String,
                                 file: StaticString = #filePath, line: UInt = #line) {
        var out = output
        let evaluation = negativeLogLikelihood(output: out, target: target, configuration: cfg, region: region,
                                               wantGradient: true)
        XCTAssertTrue(evaluation.perImageNLL.allSatisfy { $0.isFinite }, "\(label): NLL \(evaluation.perImageNLL)",
                      file: file, line: line)
        assertGradient(Self.scalars("output", { out }, { out.scalars[$0] = $1 }), analytic: evaluation.dOutput!.scalars,
                       options: Self.likelihoodOptions, label, file: file, line: line) {
            negativeLogLikelihood(output: out, target: target, configuration: cfg, region: region).total
        }
    }

    func testBinaryLikelihood() {
        var rng = Xoshiro256(seed: 400)
        let cfg = ModelConfiguration(channels: 1, height: 3, width: 3, binarize: true)
        let B = 3
        let target = Tensor(shape: [B, 1, 3, 3], scalars: (0..<(B * 9)).map { _ in rng.nextUniform() < 0.5 ? -1 : 1 })
        let output = uniformTensor([2, B, 3, 3], in: -6...6, using: &rng)
        checkLikelihoodGradient(output: output, target: target, configuration: cfg, "binary")
        // With a region, pixels outside it contribute neither NLL nor gradient.
        let region = (0..<9).map { $0 % 3 != 1 }
        checkLikelihoodGradient(output: output, target: target, configuration: cfg, region: region, "binary, region")
        let dOut = negativeLogLikelihood(output: output, target: target, configuration: cfg, region: region,
                                         wantGradient: true).dOutput!
        for o in 0..<2 { for b in 0..<B { for q in 0..<9 where !region[q] {
            XCTAssertEqual(dOut.scalars[(o * B + b) * 9 + q], 0)
        } } }
    }

    /// How one sub-pixel's components are set up.
    enum SubPixelCase: CaseIterable {
        case generic          // interior x, moderate scales: log(cdf_plus − cdf_min)
        case lowest           // x = −1
        case highest          // x = +1
        case tinyBin          // interior x, small scales, means far away: every component takes the mid-point branch
        case mixedTiny        // one component in the mid-point branch, the others generic
        case clamped          // one component's log scale below −7, its mean inside x's bin
        case clampedLowest    // x = −1, one component clamped
        case clampedHighest   // x = +1, one component clamped
        case tinyClamped      // mid-point branch everywhere, one component clamped
    }

    /// Which branch of the discretized logistic a (sub-pixel, component) takes, from the engine's own inputs, with
    /// the bin probability for interior values.
    enum Branch: Hashable { case lowest, highest, interior, midpoint }

    static func branch(x: Double, mean: Double, rawLogScale: Double, halfBin h: Double) -> (Branch, Double) {
        if x < -0.999 { return (.lowest, 0) }
        if x > 0.999 { return (.highest, 0) }
        let inverseScale = exp(-max(rawLogScale, -7))
        func sigma(_ t: Double) -> Double { 1 / (1 + exp(-t)) }
        let delta = sigma(inverseScale * (x - mean + h)) - sigma(inverseScale * (x - mean - h))
        return (delta > 1e-5 ? .interior : .midpoint, delta)
    }

    /// A mixture output (OC, B, H, W) and targets (B, C, H, W) that cycle through every ``SubPixelCase``, with a check
    /// that each case lands in the intended branch with a margin (so no ±epsilon crosses a branch switch or the clamp).
    func mixtureScenario(channels C: Int, mixtures M: Int, nBits: Int, batch B: Int, height H: Int, width W: Int,
                         using rng: inout Xoshiro256, file: StaticString = #filePath, line: UInt = #line)
        -> (output: Tensor, target: Tensor, configuration: ModelConfiguration) {
        let cfg = ModelConfiguration(channels: C, height: H, width: W, binarize: false, mixtures: M, nBits: nBits)
        let HW = H * W, N = B * HW, OC = cfg.outputChannels
        let levels = C == 1 ? 255 : (1 << nBits) - 1
        let h = C == 1 ? 1.0 / 255 : 1.0 / Double(levels)
        var output = Tensor(shape: [OC, B, H, W])
        var target = Tensor(shape: [B, C, H, W])
        func meanIndex(_ c: Int) -> Int { C == 1 ? M : M + 3 * M * c }
        func level(_ k: Int) -> Double { Double(2 * k) / Double(levels) - 1 }
        func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(rng.nextUniform()) }
        let cases = SubPixelCase.allCases
        var seen: [SubPixelCase: Int] = [:]
        var branches: [Branch: Int] = [:]
        var clampedCount = 0
        for n in 0..<N {
            let b = n / HW, q = n % HW
            var params = [Double](repeating: 0, count: OC)
            for k in 0..<M { params[k] = uniform(-2, 2) }
            var x = [Double](repeating: 0, count: C)
            for c in 0..<C {
                let which = cases[(n * C + c * 4) % cases.count]
                seen[which, default: 0] += 1
                switch which {
                case .lowest, .clampedLowest: x[c] = -1
                case .highest, .clampedHighest: x[c] = 1
                default: x[c] = level(1 + Int(rng.next() % UInt64(levels - 1)))
                }
                // Coefficient pre-activations (three channels), then the effective means and raw log scales.
                if C == 3 { for k in 0..<M { params[meanIndex(c) + 2 * M + k] = uniform(-1.5, 1.5) } }
                for k in 0..<M {
                    var mean = uniform(-0.9, 0.9), logScale = uniform(-1, 0.5)
                    let tiny = which == .tinyBin || which == .tinyClamped || (which == .mixedTiny && k == 0)
                    if tiny {
                        // inv_s >= e^4.2 ≈ 67 and |x − mean| >= 0.3: the bin probability is below e^-18.
                        logScale = uniform(-4.8, -4.2)
                        let away = uniform(0.3, 0.6)
                        mean = x[c] + (x[c] > 0 ? -away : away)
                    }
                    let clampThis = k == M - 1 && [.clamped, .clampedLowest, .clampedHighest, .tinyClamped].contains(which)
                    if clampThis {
                        logScale = uniform(-9, -7.5)
                        if which != .tinyClamped {
                            // The mean inside x's bin (or just inside the image edge), so this component matters.
                            mean = x[c] + (x[c] > 0 ? -1 : 1) * uniform(0.1, 0.5) * h
                        }
                        clampedCount += 1
                    }
                    params[meanIndex(c) + M + k] = logScale
                    // Store the raw mean that makes this the effective mean (three channels add coefficient terms).
                    var raw = mean
                    if C == 3 && c == 1 { raw -= tanh(params[meanIndex(0) + 2 * M + k]) * x[0] }
                    if C == 3 && c == 2 {
                        raw -= tanh(params[meanIndex(1) + 2 * M + k]) * x[0] + tanh(params[meanIndex(2) + 2 * M + k]) * x[1]
                    }
                    params[meanIndex(c) + k] = raw
                }
            }
            for o in 0..<OC { output.scalars[o * N + n] = Float(params[o]) }
            for c in 0..<C { target.scalars[(b * C + c) * HW + q] = Float(x[c]) }
        }
        // Classify every (pixel, channel, component) again from the Float tensors, as the engine sees them.
        for n in 0..<N {
            let b = n / HW, q = n % HW
            let p = (0..<OC).map { Double(output.scalars[$0 * N + n]) }
            let x = (0..<C).map { Double(target.scalars[(b * C + $0) * HW + q]) }
            for c in 0..<C { for k in 0..<M {
                var mean = p[meanIndex(c) + k]
                if C == 3 && c == 1 { mean += tanh(p[meanIndex(0) + 2 * M + k]) * x[0] }
                if C == 3 && c == 2 {
                    mean += tanh(p[meanIndex(1) + 2 * M + k]) * x[0] + tanh(p[meanIndex(2) + 2 * M + k]) * x[1]
                }
                let raw = p[meanIndex(c) + M + k]
                XCTAssertFalse((-7.1)...(-6.9) ~= raw, "log scale \(raw) too close to the clamp", file: file, line: line)
                let (br, delta) = Self.branch(x: x[c], mean: mean, rawLogScale: raw, halfBin: h)
                branches[br, default: 0] += 1
                if br == .interior || br == .midpoint {
                    XCTAssertFalse(1e-7...1e-4 ~= delta, "bin probability \(delta) too close to the 1e-5 switch",
                                   file: file, line: line)
                }
            } }
        }
        XCTAssertEqual(Set(seen.keys), Set(cases), "every case is set up", file: file, line: line)
        XCTAssertEqual(Set(branches.keys), [.lowest, .highest, .interior, .midpoint], "\(branches)", file: file, line: line)
        XCTAssertGreaterThan(clampedCount, 0, file: file, line: line)
        return (output, target, cfg)
    }

    func testOneChannelMixtureLikelihood() {
        var rng = Xoshiro256(seed: 410)
        for M in [1, 3] {
            for nBits in [8, 5] {   // one channel: the half bin is 1/255 whatever n_bits says
                let (output, target, cfg) = mixtureScenario(channels: 1, mixtures: M, nBits: nBits, batch: 2,
                                                            height: 3, width: 4, using: &rng)
                checkLikelihoodGradient(output: output, target: target, configuration: cfg,
                                        "one channel, M = \(M), n_bits \(nBits)")
            }
        }
    }

    func testThreeChannelMixtureLikelihood() {
        var rng = Xoshiro256(seed: 420)
        for nBits in [8, 5] {
            for M in [1, 3] {
                let (output, target, cfg) = mixtureScenario(channels: 3, mixtures: M, nBits: nBits, batch: 2,
                                                            height: 3, width: 4, using: &rng)
                checkLikelihoodGradient(output: output, target: target, configuration: cfg,
                                        "three channels, M = \(M), n_bits \(nBits)")
            }
        }
    }

    /// Below the clamp the log scale gets no gradient at all (as torch.clamp), while the mean still does.
    func testClampedLogScaleHasZeroGradient() {
        let cfg = ModelConfiguration(channels: 1, height: 1, width: 1, binarize: false, mixtures: 1)
        // One pixel, one component: logit, mean, log scale.
        let output = Tensor(shape: [3, 1, 1, 1], scalars: [0.3, 0.1 + 0.001, -8])
        let target = Tensor(shape: [1, 1, 1, 1], scalars: [0.1])
        let evaluation = negativeLogLikelihood(output: output, target: target, configuration: cfg, wantGradient: true)
        XCTAssertEqual(evaluation.dOutput!.scalars[2], 0)
        XCTAssertNotEqual(evaluation.dOutput!.scalars[1], 0)
        XCTAssertEqual(evaluation.dOutput!.scalars[0], 0, "a single component's logit has no gradient")
        checkLikelihoodGradient(output: output, target: target, configuration: cfg, "clamped single component")
    }
}
