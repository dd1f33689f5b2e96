// The gradient norm and its clipping (PyTorch's clip_grad_norm_), over the whole flat gradient buffer.

extension ParameterStore {
    /// The global L2 norm of the gradients.
    public func gradientNorm() -> Float {
        var sum: Double = 0
        for i in 0..<totalCount { sum += Double(gradients[i]) * Double(gradients[i]) }
        return Float(sum.squareRoot())
    }

    /// Scales the gradients so that their global norm is at most `maxNorm` (as `clip_grad_norm_`); returns the norm
    /// before clipping.
    @discardableResult
    public func clipGradientNorm(_ maxNorm: Float) -> Float {
        let norm = gradientNorm()
        let scale = maxNorm / (norm + 1e-6)
        if scale < 1 { for i in 0..<totalCount { gradients[i] *= scale } }
        return norm
    }
}
