import Foundation

// Elementwise activations over channel-major activations (C, B, H, W), flattened here to (C, N), N = B*H*W.

/// elu(x) = x for x > 0, exp(x) - 1 otherwise (alpha 1).
@inline(__always) func elu(_ x: Float) -> Float { fastELU(x) }
/// elu'(x) written from the input: 1 for x > 0, exp(x) otherwise.
@inline(__always) func eluDerivative(_ x: Float) -> Float { x > 0 ? 1 : expm1OfNonPositive(x) + 1 }

/// The plain elu the fast one is tested against (libm's expm1f).
public func referenceELU(_ x: Float) -> Float { x > 0 ? x : expm1f(x) }

/// elu(x) (alpha 1) without a call to libm's expm1f, which is slow and keeps the loops from vectorising: for x <= 0,
/// expm1(x) = 2^n (expm1(r) + 1) - 1 with x = n ln 2 + r, |r| <= ln 2 / 2, expm1(r) by its Taylor series to r^8
/// (truncation below 2e-10 relative). Agrees with expm1f to a few ulp, and is <= 0 for every x <= 0, so u is
/// recovered exactly from concat_elu(u) (see ``IncrementalSampler/readValue(_:at:b0:nb:into:)``).
@inline(__always)
public func fastELU(_ x: Float) -> Float {
    x > 0 ? x : expm1OfNonPositive(x)
}

/// (elu(x), elu(-x)) with one exponential: the one of x, -x that is <= 0 goes through expm1, the other passes.
@inline(__always)
public func concatELUPair(_ x: Float) -> (Float, Float) {
    let e = expm1OfNonPositive(-abs(x))
    return x > 0 ? (x, e) : (e, -x)
}

/// expm1(x) for x <= 0 (see ``fastELU(_:)``); never positive.
@inline(__always)
public func expm1OfNonPositive(_ x: Float) -> Float {
    let t = Swift.max(Swift.min(x, 0), -17.5)               // expm1f(x) rounds to -1 below about -17.3
    // n = round(t / ln 2) by the 1.5 * 2^23 shifter, whose low mantissa bits then hold n (no trapping conversion).
    let shifted = t * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    let r = (t - n * 0.693_359_375) - n * -2.121_944_4e-4  // Cody-Waite: ln 2 = 0.693359375 - 2.1219444e-4
    let p = r + r * r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720
        + r * (1.0 / 5040 + r * (1.0 / 40320)))))))
    let scale = Float(bitPattern: (shifted.bitPattern &- (12_582_912 as Float).bitPattern &+ 127) &<< 23)   // 2^n
    return Swift.min(scale * p + (scale - 1), 0)
}

/// concat_elu(x) = elu(concat([x, -x], channel axis)): (C, B, H, W) -> (2C, B, H, W).
public func concatELU(_ x: Tensor) -> Tensor {
    let count = x.count
    var y = Tensor(uninitializedShape: [2 * x.shape[0]] + x.shape.dropFirst())
    x.withUnsafeBufferPointer { x in
        y.withUnsafeMutableBufferPointer { y in
            let x = x.baseAddress!, y = y.baseAddress!
            let yNegative = y + count   // second half: elu(-x)
            parallelFor(count) { range in
                // Written so that LLVM vectorises it (a separate pointer per half, selects, no calls): 4x faster.
                for i in range {
                    let v = x[i], a = abs(v)
                    let e = expm1OfNonPositive(-a)
                    let positive = v > 0
                    y[i] = positive ? v : e
                    yNegative[i] = positive ? e : a
                }
            }
        }
    }
    return y
}

/// The backward of ``concatELU(_:)``: dx = dy₁ elu'(x) − dy₂ elu'(−x), from the input x (C, ...) and dy (2C, ...).
public func concatELUBackward(_ dOutput: Tensor, input x: Tensor) -> Tensor {
    let count = x.count
    var dx = Tensor(uninitializedShape: x.shape)
    x.withUnsafeBufferPointer { x in
        dOutput.withUnsafeBufferPointer { dy in
            dx.withUnsafeMutableBufferPointer { dx in
                let x = x.baseAddress!, dy = dy.baseAddress!, dx = dx.baseAddress!
                let dyNegative = dy + count
                parallelFor(count) { range in
                    for i in range {
                        // One exponential: e = exp(-|x|) is elu' of whichever of x, -x is negative.
                        let v = x[i]
                        let e = expm1OfNonPositive(-abs(v)) + 1
                        let g1 = dy[i], g2 = dyNegative[i]
                        dx[i] = v > 0 ? g1 - g2 * e : g1 * e - g2
                    }
                }
            }
        }
    }
    return dx
}

/// elu applied elementwise.
public func eluForward(_ x: Tensor) -> Tensor {
    var y = x
    y.withUnsafeMutableBufferPointer { y in
        let p = y.baseAddress!
        parallelFor(y.count) { range in for i in range { p[i] = elu(p[i]) } }
    }
    return y
}

/// The backward of elu from its input.
public func eluBackward(_ dOutput: Tensor, input x: Tensor) -> Tensor {
    var dx = dOutput
    dx.withUnsafeMutableBufferPointer { dx in
        x.withUnsafeBufferPointer { x in
            let dx = dx.baseAddress!, x = x.baseAddress!
            parallelFor(dOutput.count) { range in for i in range { dx[i] *= eluDerivative(x[i]) } }
        }
    }
    return dx
}

@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// Adds `y += x` elementwise.
func addInPlace(_ y: inout Tensor, _ x: Tensor) {
    precondition(y.shape == x.shape)
    let count = x.count
    y.withUnsafeMutableBufferPointer { y in
        x.withUnsafeBufferPointer { x in
            let y = y.baseAddress!, x = x.baseAddress!
            parallelFor(count) { range in for i in range { y[i] += x[i] } }
        }
    }
}
