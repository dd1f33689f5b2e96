import Foundation

/// Adam (Kingma & Ba 2015) exactly as PyTorch's `torch.optim.Adam` with its defaults: bias-corrected moments,
/// `p -= (lr / (1 - β1^t)) * m / (sqrt(v) / sqrt(1 - β2^t) + eps)`, and its `weight_decay` (L2: `g += wd * p`
/// before the moments; 0 by default).
///
/// The moments share the parameter store's flat layout, so one update is one loop over all parameters.
public struct AdamOptimizer: Sendable {
    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// PyTorch's `weight_decay`: adds `weightDecay * p` to each gradient before the moments.
    public var weightDecay: Float = 0
    /// Updates taken so far.
    public var step: Int = 0
    /// First moments, (parameter count).
    public var firstMoment: [Float]
    /// Second moments, (parameter count).
    public var secondMoment: [Float]

    public init(parameterCount: Int, learningRate: Float) {
        self.learningRate = learningRate
        firstMoment = [Float](repeating: 0, count: parameterCount)
        secondMoment = [Float](repeating: 0, count: parameterCount)
    }

    /// One update of every parameter in `store` from its accumulated gradient.
    public mutating func update(_ store: ParameterStore) {
        precondition(store.totalCount == firstMoment.count, "optimizer state does not fit the model")
        step += 1
        let (b1, b2, eps, wd) = (beta1, beta2, epsilon, weightDecay)
        let stepSize = learningRate / (1 - Float(pow(Double(b1), Double(step))))
        let correction2 = Float(sqrt(1 - pow(Double(b2), Double(step))))
        let values = store.values.baseAddress!, grads = store.gradients.baseAddress!
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                let m = m.baseAddress!, v = v.baseAddress!
                parallelFor(store.totalCount, minimumChunk: 16384) { range in
                    for i in range {
                        let g = wd == 0 ? grads[i] : grads[i] + wd * values[i]
                        m[i] = b1 * m[i] + (1 - b1) * g
                        v[i] = b2 * v[i] + (1 - b2) * g * g
                        values[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2 + eps)
                    }
                }
            }
        }
    }
}
