// The locally masked convolution (Jain et al. 2020, SPEC section 3): im2col with a per-location mask, one GEMM.
// Legend: C input channels, OC output channels, B batch, H rows, W cols, K kernel, KK = K*K, HW = H*W, N = B*HW.

/// A convolution whose kernel is masked differently at every pixel location.
///
/// `forward` computes `Y[:, b, q] = Wt (OC, C*KK) @ (im2col(X) ⊙ M)[:, b, q] + bias + Mw (OC, KK) @ M[:, q]`
/// with the image-tiled kernels of `MaskedConvolution.swift` (masked im2col straight into a cached GEMM operand).
/// The backward pass recomputes the masked columns from the cached input rather than storing them, as the
/// reference does, to keep memory low.
public struct LocallyMaskedConv2d {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let dilation: Int
    let weight: LayerWeight                 // (OC, C, K, K), plain or weight-normalised
    let bias: ParameterSlot?                // (OC)
    let maskWeight: ParameterSlot?          // (OC, K, K)

    /// Registers the layer's parameters under `prefix` (e.g. `up_layers.0.u_stream.0.conv_input`).
    public init(store: ParameterStore, prefix: String, inputChannels: Int, outputChannels: Int, kernelSize: Int,
                dilation: Int, bias: Bool, learnedMaskWeight: Bool, weightNormalized: Bool) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.dilation = dilation
        weight = LayerWeight(store: store, prefix: prefix,
                             shape: [outputChannels, inputChannels, kernelSize, kernelSize], normalized: weightNormalized)
        self.bias = bias ? store.register(prefix + ".bias", shape: [outputChannels]) : nil
        maskWeight = learnedMaskWeight
            ? store.register(prefix + ".mask_weight", shape: [outputChannels, kernelSize, kernelSize]) : nil
    }

    /// What backward needs: the input (to recompute the columns; nil when the caller recomputes it), the mask and
    /// the effective weight.
    public struct Cache {
        let input: Tensor?         // (C, B, H, W)
        let mask: Tensor           // (KK, HW)
        let weight: [Float]        // (OC, C*KK), effective
        let norms: [Float]         // (OC) under weight norm, else empty
    }

    /// Y (OC, B, H, W) from X (C, B, H, W) and the mask (KK, HW).
    ///
    /// - Parameter keepInput: keep X in the cache; callers that can recompute X cheaply (the concat-ELU inputs of a
    ///   gated resnet) pass false and hand it back to ``backward(_:cache:store:input:)``, halving what training keeps.
    public func forward(_ input: Tensor, mask: Tensor, store: ParameterStore, keepInput: Bool = true) -> (Tensor, Cache) {
        let (C, B, H, W) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        precondition(C == inputChannels, "conv expects \(inputChannels) channels, got \(C)")
        let K = kernelSize, KK = K * K, HW = H * W, OC = outputChannels
        precondition(mask.shape == [KK, HW], "mask shape \(mask.shape) does not fit \(KK) x \(HW)")
        let (weightValues, norms) = weight.materialize(store)
        var output = Tensor(uninitializedShape: [OC, B, H, W])
        output.withUnsafeMutableBufferPointer { y in
            let y = y.baseAddress!
            writeBiasAndMaskTerm(into: y, mask: mask, batch: B, pixels: HW, store: store)
            input.withUnsafeBufferPointer { x in
                mask.withUnsafeBufferPointer { m in
                    weightValues.withUnsafeBufferPointer { w in
                        maskedConvolutionForward(output: y, input: x.baseAddress!, weight: w.baseAddress!,
                                                 mask: m.baseAddress!, channels: C, outputChannels: OC, batch: B,
                                                 height: H, width: W, kernelSize: K, dilation: dilation)
                    }
                }
            }
        }
        return (output, Cache(input: keepInput ? input : nil, mask: mask, weight: weightValues, norms: norms))
    }

    /// Fills Y (OC, B, HW) with bias[o] + (Mw @ M)[o, q], the GEMM then adds onto it.
    private func writeBiasAndMaskTerm(into y: UnsafeMutablePointer<Float>, mask: Tensor, batch B: Int, pixels HW: Int,
                                      store: ParameterStore) {
        let OC = outputChannels, KK = kernelSize * kernelSize
        var term = [Float](repeating: 0, count: OC * HW)     // (OC, HW)
        if let maskWeight {
            mask.withUnsafeBufferPointer { m in
                term.withUnsafeMutableBufferPointer { t in
                    gemm(transposeA: .none, transposeB: .none, m: OC, n: HW, k: KK, alpha: 1, a: store.value(maskWeight),
                         lda: KK, b: m.baseAddress!, ldb: HW, beta: 0, c: t.baseAddress!, ldc: HW)
                }
            }
        }
        let biasValues = bias.map { store.value($0) }
        term.withUnsafeBufferPointer { term in
            let term = term.baseAddress!
            parallelFor(OC, minimumChunk: 1) { channels in
                for o in channels {
                    let b0 = biasValues?[o] ?? 0
                    let t = term + o * HW
                    for b in 0..<B {
                        let row = y + (o * B + b) * HW
                        for q in 0..<HW { row[q] = t[q] + b0 }
                    }
                }
            }
        }
    }

    /// dX (C, B, H, W) from dY (OC, B, H, W); accumulates the parameter gradients into `store`.
    ///
    /// - Parameter input: the forward input, when the cache does not keep it.
    public func backward(_ dOutput: Tensor, cache: Cache, store: ParameterStore, input: Tensor? = nil) -> Tensor {
        guard let input = input ?? cache.input else { preconditionFailure("conv backward needs its forward input") }
        let (C, B, H, W) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let K = kernelSize, KK = K * K, HW = H * W, OC = outputChannels
        var dInput = Tensor(shape: [C, B, H, W])
        var dWeight = [Float](repeating: 0, count: OC * C * KK)   // (OC, C*KK)
        dOutput.withUnsafeBufferPointer { dy in
            let dy = dy.baseAddress!
            input.withUnsafeBufferPointer { x in
                cache.mask.withUnsafeBufferPointer { m in
                    cache.weight.withUnsafeBufferPointer { w in
                        dWeight.withUnsafeMutableBufferPointer { dw in
                            dInput.withUnsafeMutableBufferPointer { dx in
                                maskedConvolutionBackward(
                                    dInput: dx.baseAddress!, dWeight: dw.baseAddress!, dOutput: dy,
                                    input: x.baseAddress!, weight: w.baseAddress!, mask: m.baseAddress!, channels: C,
                                    outputChannels: OC, batch: B, height: H, width: W, kernelSize: K, dilation: dilation)
                            }
                        }
                    }
                }
            }
            if bias != nil || maskWeight != nil {
                // S (OC, HW) = dY summed over the batch: the gradient of the per-location additive term.
                var summed = [Float](repeating: 0, count: OC * HW)
                for o in 0..<OC { for b in 0..<B {
                    let row = dy + (o * B + b) * HW
                    for q in 0..<HW { summed[o * HW + q] += row[q] }
                } }
                if let bias {
                    let g = store.gradient(bias)
                    for o in 0..<OC {
                        var s: Float = 0
                        for q in 0..<HW { s += summed[o * HW + q] }
                        g[o] += s
                    }
                }
                if let maskWeight {
                    // dMw (OC, KK) += S (OC, HW) @ Mᵀ (HW, KK)
                    summed.withUnsafeBufferPointer { s in
                        cache.mask.withUnsafeBufferPointer { m in
                            gemm(transposeA: .none, transposeB: .transposed, m: OC, n: KK, k: HW, alpha: 1,
                                 a: s.baseAddress!, lda: HW, b: m.baseAddress!, ldb: HW, beta: 1,
                                 c: store.gradient(maskWeight), ldc: KK)
                        }
                    }
                }
            }
        }
        weight.accumulateGradient(store, dWeight: dWeight, norms: cache.norms)
        return dInput
    }

    /// PyTorch's default initialisation of a convolution (weights and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)));
    /// learned mask weights start at zero... see ``LocallyMaskedPixelCNN`` for the reference's choice.
    func initialize(_ store: ParameterStore, using rng: inout Xoshiro256) {
        weight.initialize(store, using: &rng)
        let bound = 1 / Float(inputChannels * kernelSize * kernelSize).squareRoot()
        if let bias {
            let p = store.value(bias)
            for o in 0..<outputChannels { p[o] = (rng.nextUniform() * 2 - 1) * bound }
        }
        if let maskWeight {
            let p = store.value(maskWeight)
            for i in 0..<maskWeight.count { p[i] = (rng.nextUniform() * 2 - 1) * bound }
        }
    }
}
