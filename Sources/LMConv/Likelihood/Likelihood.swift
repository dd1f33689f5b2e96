import Foundation

// Per-image negative log-likelihoods of the network's output (SPEC section 6), and their gradient.
// Legend: B batch, C image channels, HW = H*W pixels, M mixture components, OC output channels.
// The output is channel-major, (OC, B, H, W); targets are (B, C, H, W) in [-1, 1].

/// The NLL of images `target` (B, C, H, W) under the network's `output` (OC, B, H, W).
///
/// - Parameters:
///   - region: pixels (row-major, H*W) whose log-probabilities are summed; nil for all. The conditional likelihood of
///     a hidden region given the rest is this sum, under an order that generates the region last.
///   - wantGradient: also return the gradient of the summed NLL with respect to `output`.
public func negativeLogLikelihood(output: Tensor, target: Tensor, configuration cfg: ModelConfiguration,
                                  region: [Bool]? = nil, wantGradient: Bool = false) -> LikelihoodEvaluation {
    precondition(target.shape.count == 4 && target.shape[1] == cfg.channels, "target \(target.shape) does not fit the model")
    let (B, H, W) = (target.shape[0], target.shape[2], target.shape[3])
    let HW = H * W, OC = cfg.outputChannels
    precondition(output.shape == [OC, B, H, W], "output \(output.shape) does not fit the target \(target.shape)")
    precondition(region == nil || region!.count == HW)
    var dOutput = wantGradient ? Tensor(shape: output.shape) : nil
    let pixelLogProbability = dOutput == nil
        ? pixelLogProbabilities(output: output, target: target, configuration: cfg, region: region, gradient: nil)
        : dOutput!.withUnsafeMutableBufferPointer {
            pixelLogProbabilities(output: output, target: target, configuration: cfg, region: region,
                                  gradient: $0.baseAddress!)
        }
    let N = B * HW
    var perImage = [Double](repeating: 0, count: B)
    for n in 0..<N { perImage[n / HW] -= pixelLogProbability[n] }
    return LikelihoodEvaluation(perImageNLL: perImage, dOutput: dOutput)
}

/// log p of every pixel (B*HW, image-major) of `target` under `output`, 0 outside `region`; with `gradient`
/// (OC, B, H, W), also minus each log-probability's derivative in the output. The one per-pixel loop of the
/// likelihood: the image NLLs and the per-pixel maps both sum or read its values. Parallelises over pixels.
func pixelLogProbabilities(output: Tensor, target: Tensor, configuration cfg: ModelConfiguration, region: [Bool]?,
                           gradient grad: UnsafeMutablePointer<Float>?) -> [Double] {
    let (B, C, H, W) = (target.shape[0], cfg.channels, target.shape[2], target.shape[3])
    let HW = H * W, OC = cfg.outputChannels, N = B * HW
    // Half the spacing of the 2^n_bits levels in [-1, 1], so that the bins tile it. The reference hard-codes 1/255 for
    // one channel only because it trains one-channel models at 8 bits alone (main.py asserts n_bits == 8 for MNIST).
    let halfBin = halfBinWidth(cfg)
    var pixelLogProbability = [Double](repeating: 0, count: N)
    output.withUnsafeBufferPointer { out in
        target.withUnsafeBufferPointer { x in
            pixelLogProbability.withUnsafeMutableBufferPointer { lp in
                let out = out.baseAddress!, x = x.baseAddress!, lp = lp.baseAddress!
                parallelFor(N, minimumChunk: 64) { range in
                    var params = [Double](repeating: 0, count: OC)   // this pixel's outputs
                    var dParams = [Double](repeating: 0, count: OC)
                    var values = [Double](repeating: 0, count: C)
                    for n in range {
                        let b = n / HW, q = n % HW
                        if let region, !region[q] { continue }
                        for o in 0..<OC { params[o] = Double(out[o * N + n]) }
                        for c in 0..<C { values[c] = Double(x[(b * C + c) * HW + q]) }
                        let logP: Double
                        if cfg.binarize {
                            logP = binaryLogProbability(params, value: values[0], gradient: &dParams)
                        } else {
                            logP = mixtureLogProbability(params, values: values, mixtures: cfg.mixtures,
                                                         halfBin: halfBin, gradient: &dParams)
                        }
                        lp[n] = logP
                        if let grad { for o in 0..<OC { grad[o * N + n] = Float(-dParams[o]) } }
                    }
                }
            }
        }
    }
    return pixelLogProbability
}

/// log-softmax of two logits [pixel = −1, pixel = +1] at the observed value; gradient in `gradient` (2).
@inline(__always)
func binaryLogProbability(_ logits: [Double], value: Double, gradient: inout [Double]) -> Double {
    let index = value > 0 ? 1 : 0
    let m = max(logits[0], logits[1])
    let logSum = m + log(exp(logits[0] - m) + exp(logits[1] - m))
    for i in 0..<2 { gradient[i] = (i == index ? 1 : 0) - exp(logits[i] - logSum) }
    return logits[index] - logSum
}

/// log p of one pixel (C = 1 or 3 sub-pixels) under a mixture of M discretized logistics, with the gradient of that
/// log-probability with respect to the pixel's output parameters in `gradient` (3M or 10M).
///
/// Layout of `params`: C = 1: [logits(M), means(M), log_scales(M)]; C = 3: logits(M), then for channel c the block
/// at M + 3Mc: [means(M), log_scales(M), coefficient pre-activations(M)]. With coefficients t_c = tanh(pre of block c),
/// channel 1's mean adds t_0 x_0 and channel 2's t_1 x_0 + t_2 x_1 (x the observed values).
func mixtureLogProbability(_ params: [Double], values x: [Double], mixtures M: Int, halfBin h: Double,
                           gradient: inout [Double]) -> Double {
    let C = x.count
    for i in 0..<gradient.count { gradient[i] = 0 }
    var maxLogit = -Double.infinity
    for k in 0..<M { maxLogit = max(maxLogit, params[k]) }
    var sumExp = 0.0
    for k in 0..<M { sumExp += exp(params[k] - maxLogit) }
    let logNormalizer = maxLogit + log(sumExp)
    // Where channel c's means, log scales and coefficient pre-activations start.
    func meanIndex(_ c: Int) -> Int { C == 1 ? M : M + 3 * M * c }
    var joint = [Double](repeating: 0, count: M)            // log π_k + Σ_c log p_c,k
    var dMean = [Double](repeating: 0, count: C * M)        // d log p_c,k / d mean'_c,k
    var coefficient = [Double](repeating: 0, count: C * M)  // tanh(pre), C = 3 only
    for k in 0..<M {
        var total = params[k] - logNormalizer
        if C == 3 { for c in 0..<3 { coefficient[c * M + k] = tanh(params[meanIndex(c) + 2 * M + k]) } }
        for c in 0..<C {
            var mean = params[meanIndex(c) + k]
            if C == 3 && c == 1 { mean += coefficient[k] * x[0] }
            if C == 3 && c == 2 { mean += coefficient[M + k] * x[0] + coefficient[2 * M + k] * x[1] }
            let rawLogScale = params[meanIndex(c) + M + k]
            let logScale = max(rawLogScale, -7)
            let (lp, dm, dls) = discretizedLogisticLogProbability(x: x[c], mean: mean, logScale: logScale, halfBin: h)
            total += lp
            dMean[c * M + k] = dm
            // The clamp passes the gradient where raw >= -7 (as torch.clamp does).
            gradient[meanIndex(c) + M + k] = rawLogScale >= -7 ? dls : 0
        }
        joint[k] = total
    }
    var maxJoint = -Double.infinity
    for k in 0..<M { maxJoint = max(maxJoint, joint[k]) }
    var sumJoint = 0.0
    for k in 0..<M { sumJoint += exp(joint[k] - maxJoint) }
    let logProbability = maxJoint + log(sumJoint)
    for k in 0..<M {
        let responsibility = exp(joint[k] - logProbability)            // posterior weight of component k
        gradient[k] = responsibility - exp(params[k] - logNormalizer)  // d/d logit_k
        for c in 0..<C {
            let dm = responsibility * dMean[c * M + k]
            gradient[meanIndex(c) + k] = dm
            gradient[meanIndex(c) + M + k] *= responsibility
            if C == 3 && c == 1 {
                gradient[meanIndex(0) + 2 * M + k] += dm * x[0] * (1 - coefficient[k] * coefficient[k])
            }
            if C == 3 && c == 2 {
                gradient[meanIndex(1) + 2 * M + k] += dm * x[0] * (1 - coefficient[M + k] * coefficient[M + k])
                gradient[meanIndex(2) + 2 * M + k] += dm * x[1] * (1 - coefficient[2 * M + k] * coefficient[2 * M + k])
            }
        }
    }
    return logProbability
}
