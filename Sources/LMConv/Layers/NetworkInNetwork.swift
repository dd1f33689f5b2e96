// "Network in network": a weight-normalised 1x1 convolution, i.e. a linear map over channels at every location.
// Legend: C input channels, OC output channels, N = B*H*W locations. Activations are (C, N), so it is one GEMM.

/// A weight-normalised linear map over channels (`nin` in the reference, parameters `lin_a.weight_g`,
/// `lin_a.weight_v`, `lin_a.bias`).
public struct NetworkInNetwork {
    public let inputChannels: Int
    public let outputChannels: Int
    let weight: LayerWeight          // (OC, C), weight-normalised
    let bias: ParameterSlot          // (OC)

    public init(store: ParameterStore, prefix: String, inputChannels: Int, outputChannels: Int) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        weight = LayerWeight(store: store, prefix: prefix + ".lin_a", shape: [outputChannels, inputChannels],
                             normalized: true)
        bias = store.register(prefix + ".lin_a.bias", shape: [outputChannels])
    }

    public struct Cache {
        let input: Tensor       // (C, B, H, W)
        let weight: [Float]     // (OC, C), effective
        let norms: [Float]      // (OC)
    }

    /// Y (OC, B, H, W) = W X + b.
    public func forward(_ input: Tensor, store: ParameterStore) -> (Tensor, Cache) {
        let C = inputChannels, OC = outputChannels, N = input.count / C
        precondition(input.shape[0] == C)
        let (w, norms) = weight.materialize(store)
        var output = Tensor(uninitializedShape: [OC] + input.shape.dropFirst())
        let b = store.value(bias)
        output.withUnsafeMutableBufferPointer { y in
            let y = y.baseAddress!
            for o in 0..<OC { (y + o * N).update(repeating: b[o], count: N) }
            input.withUnsafeBufferPointer { x in
                w.withUnsafeBufferPointer { w in
                    gemm(transposeA: .none, transposeB: .none, m: OC, n: N, k: C, alpha: 1, a: w.baseAddress!, lda: C,
                         b: x.baseAddress!, ldb: N, beta: 1, c: y, ldc: N)
                }
            }
        }
        return (output, Cache(input: input, weight: w, norms: norms))
    }

    /// dX (C, B, H, W) from dY (OC, B, H, W); accumulates dW and db.
    public func backward(_ dOutput: Tensor, cache: Cache, store: ParameterStore) -> Tensor {
        let C = inputChannels, OC = outputChannels, N = dOutput.count / OC
        var dInput = Tensor(uninitializedShape: cache.input.shape)
        var dWeight = [Float](repeating: 0, count: OC * C)
        dOutput.withUnsafeBufferPointer { dy in
            let dy = dy.baseAddress!
            cache.input.withUnsafeBufferPointer { x in
                dWeight.withUnsafeMutableBufferPointer { dw in
                    gemm(transposeA: .none, transposeB: .transposed, m: OC, n: C, k: N, alpha: 1, a: dy, lda: N,
                         b: x.baseAddress!, ldb: N, beta: 0, c: dw.baseAddress!, ldc: C)
                }
            }
            cache.weight.withUnsafeBufferPointer { w in
                dInput.withUnsafeMutableBufferPointer { dx in
                    gemm(transposeA: .transposed, transposeB: .none, m: C, n: N, k: OC, alpha: 1, a: w.baseAddress!,
                         lda: C, b: dy, ldb: N, beta: 0, c: dx.baseAddress!, ldc: N)
                }
            }
            let db = store.gradient(bias)
            for o in 0..<OC {
                var s: Float = 0
                for i in 0..<N { s += dy[o * N + i] }
                db[o] += s
            }
        }
        weight.accumulateGradient(store, dWeight: dWeight, norms: cache.norms)
        return dInput
    }

    public func initialize(_ store: ParameterStore, using rng: inout Xoshiro256) {
        weight.initialize(store, using: &rng)
        let bound = 1 / Float(inputChannels).squareRoot()
        let p = store.value(bias)
        for o in 0..<outputChannels { p[o] = (rng.nextUniform() * 2 - 1) * bound }
    }
}

// MARK: - One location at a time (the incremental machinery's step)

extension NetworkInNetwork {
    /// The layer's current effective parameters, copied for steps.
    public struct StepWeights: Sendable {
        let inputChannels: Int
        let outputChannels: Int
        let weight: [Float]         // (OC, C)
        let bias: [Float]           // (OC)
    }

    public func stepWeights(_ store: ParameterStore) -> StepWeights {
        let (w, _) = weight.materialize(store)
        return StepWeights(inputChannels: inputChannels, outputChannels: outputChannels, weight: w,
                           bias: Array(UnsafeBufferPointer(start: store.value(bias), count: bias.count)))
    }

    /// y (OC, ·) = W x + b at one location for nb images: x (C, nb) with row stride nb, y with row stride `ldy`.
    /// On the calling thread.
    public static func step(_ w: StepWeights, input x: UnsafePointer<Float>, nb: Int, into y: UnsafeMutablePointer<Float>,
                     ldy: Int, arithmetic: StepArithmetic = .fast) {
        for o in 0..<w.outputChannels { (y + o * ldy).update(repeating: w.bias[o], count: nb) }
        w.weight.withUnsafeBufferPointer { weight in
            stepMatrixProduct(arithmetic, m: w.outputChannels, n: nb, k: w.inputChannels, a: weight.baseAddress!,
                              lda: w.inputChannels, b: x, ldb: nb, c: y, ldc: ldy)
        }
    }
}
