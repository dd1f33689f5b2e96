import Foundation

// Elementwise activations over channel-major activations (C, B, H, W), flattened here to (C, N), N = B*H*W.

/// elu(x) = x for x > 0, exp(x) - 1 otherwise (alpha 1).
///
/// expm1f is four times slower than expf in glibc and was a seventh of a training step; exp(x) - 1 is as accurate
/// (relative error below 1e-6) once |x| > 1/16, so expm1f is kept only near zero where the subtraction would cancel.
@inline(__always) func elu(_ x: Float) -> Float { x > 0 ? x : (x < -0.0625 ? expf(x) - 1 : expm1f(x)) }
/// elu'(x) written from the input: 1 for x > 0, exp(x) otherwise.
@inline(__always) func eluDerivative(_ x: Float) -> Float { x > 0 ? 1 : expf(x) }

/// concat_elu(x) = elu(concat([x, -x], channel axis)): (C, B, H, W) -> (2C, B, H, W).
public func concatELU(_ x: Tensor) -> Tensor {
    let count = x.count
    var y = Tensor(uninitializedShape: [2 * x.shape[0]] + x.shape.dropFirst())
    x.withUnsafeBufferPointer { x in
        y.withUnsafeMutableBufferPointer { y in
            let x = x.baseAddress!, y = y.baseAddress!
            parallelFor(count) { range in
                for i in range {
                    y[i] = elu(x[i])
                    y[count + i] = elu(-x[i])
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
                parallelFor(count) { range in
                    for i in range {
                        dx[i] = dy[i] * eluDerivative(x[i]) - dy[count + i] * eluDerivative(-x[i])
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
