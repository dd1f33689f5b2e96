import CPortableKernels

// From probabilities to rANS frequencies, deterministically: IEEE double arithmetic in a fixed order, floor, and
// integer corrections, so encoder and decoder get the same table from the same probabilities on every machine.

/// Integer frequencies for `probabilities`: every level gets at least 1, the sum is exactly 2^precisionBits.
///
/// Level i gets 1 + floor(w_i / Σw * (2^precisionBits - n)) where w_i is the probability with negative, NaN and
/// infinite entries taken as 0 (all levels equal when none is left); the few units that flooring leaves over
/// (fewer than n) go to the most probable level (the first of equals). The reserved 1 per level costs at most
/// n / 2^24 of probability mass: 2e-5 bits per symbol for 256 levels.
///
/// - Parameters:
///   - probabilities: n >= 1 non-negative weights (they need not sum to 1), n <= 2^precisionBits.
///   - precisionBits: 1...31; the rANS coder uses 24 (``RANS/precisionBits``).
public func quantizeFrequencies(probabilities: [Double], precisionBits: Int = RANS.precisionBits) -> [UInt32] {
    let n = probabilities.count
    precondition(n >= 1 && precisionBits >= 1 && precisionBits <= 31 && n <= 1 << precisionBits,
                 "quantizeFrequencies: \(n) levels do not fit \(precisionBits) bits of precision")
    // In C (CPortableKernels' lmconv_quantize_frequencies: the same operations in the same order as the Swift loops
    // it replaced, which CompressionFrequencyTests keeps as the reference), because it runs once per coded sub-pixel.
    return [UInt32](unsafeUninitializedCapacity: n) { frequencies, initialized in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { weights in
            probabilities.withUnsafeBufferPointer { p in
                lmconv_quantize_frequencies(p.baseAddress!, n, Int32(precisionBits), weights.baseAddress!,
                                            frequencies.baseAddress!)
            }
        }
        initialized = n
    }
}

/// The frequencies [f(pixel = -1), f(pixel = +1)] of a binary pixel from the model's two logits (SPEC section 6:
/// log-softmax of [logit(-1), logit(+1)]): P(+1) = sigmoid(logitPlus - logitMinus), rounded to a multiple of
/// 2^-precisionBits and kept within [1, 2^precisionBits - 1]. NaN logits give 1/2.
public func binaryFrequencies(logitMinus: Double, logitPlus: Double, precisionBits: Int = RANS.precisionBits) -> [UInt32] {
    precondition(precisionBits >= 1 && precisionBits <= 31)
    let total = Double(1 << precisionBits)
    var p = PortableMath.sigmoid(logitPlus - logitMinus)
    if p.isNaN { p = 0.5 }   // inf - inf
    let plus = Swift.min(Swift.max((p * total).rounded(.toNearestOrEven), 1), total - 1)
    return [UInt32(total - plus), UInt32(plus)]
}
