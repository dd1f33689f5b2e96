// The locally masked convolution (Jain et al. 2020, SPEC section 3): im2col with a per-location mask, one GEMM.
// Legend: C input channels, OC output channels, B batch, H rows, W cols, K kernel, KK = K*K, HW = H*W, N = B*HW.

/// A convolution whose kernel is masked differently at every pixel location.
///
/// `forward` computes `Y[:, b, q] = Wt (OC, C*KK) @ (im2col(X) ⊙ M)[:, b, q] + bias + Mw (OC, KK) @ M[:, q]`
/// and its backward with the kernels of `OpenTapConvolution.swift` (image rows grouped by the taps their masks open,
/// each group's GEMMs over those taps only; the full-column kernels of `MaskedConvolution.swift` are their reference).
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
                    // Only the taps a row's masks open are multiplied (an S-curve's rows open about half of them).
                    let groups = OpenTapRowGroups(mask: m.baseAddress!, taps: KK, height: H, width: W)
                    weightValues.withUnsafeBufferPointer { w in
                        openTapConvolutionForward(output: y, input: x.baseAddress!, weight: w.baseAddress!,
                                                  mask: m.baseAddress!, groups: groups, channels: C, outputChannels: OC,
                                                  batch: B, height: H, width: W, kernelSize: K, dilation: dilation)
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
                                let groups = OpenTapRowGroups(mask: m.baseAddress!, taps: KK, height: H, width: W)
                                openTapConvolutionBackward(
                                    dInput: dx.baseAddress!, dWeight: dw.baseAddress!, dOutput: dy,
                                    input: x.baseAddress!, weight: w.baseAddress!, mask: m.baseAddress!,
                                    groups: groups, channels: C, outputChannels: OC, batch: B, height: H, width: W,
                                    kernelSize: K, dilation: dilation)
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
    public func initialize(_ store: ParameterStore, using rng: inout Xoshiro256) {
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

// MARK: - One location at a time (the incremental machinery's step)

extension LocallyMaskedConv2d {
    /// The layer's parameters in the layout a one-location step reads: the weight tap-major,
    /// `weight[o, j*C + c] = Wt[o, c, j]`, so that every run of consecutive taps is one GEMM.
    public struct StepWeights: Sendable {
        let inputChannels: Int
        let outputChannels: Int
        let taps: Int               // KK
        let weight: [Float]         // (OC, KK*C)
        let bias: [Float]?          // (OC)
        let maskWeight: [Float]?    // (OC, KK)
    }

    /// Copies the current (effective) parameters into the step layout.
    public func stepWeights(_ store: ParameterStore) -> StepWeights {
        let C = inputChannels, OC = outputChannels, KK = kernelSize * kernelSize
        let (w, _) = weight.materialize(store)            // (OC, C*KK)
        var tapMajor = [Float](repeating: 0, count: OC * KK * C)
        for o in 0..<OC { for c in 0..<C { for j in 0..<KK {
            tapMajor[o * KK * C + j * C + c] = w[o * C * KK + c * KK + j]
        } } }
        func copy(_ slot: ParameterSlot?) -> [Float]? {
            slot.map { Array(UnsafeBufferPointer(start: store.value($0), count: $0.count)) }
        }
        return StepWeights(inputChannels: C, outputChannels: OC, taps: KK, weight: tapMajor, bias: copy(bias),
                           maskWeight: copy(maskWeight))
    }

    /// y (OC, nb) = the convolution's output at location q for images b0..<b0+nb: bias + mask-weight term + Σ over
    /// the taps the mask lets through. The input is a kept feature map (HW, C, B). Runs on the calling thread unless
    /// `rowChunks` > 1, when its GEMMs' output rows are split over that many threads (the caller is then not itself
    /// inside a parallel region). `columns` holds at least KK*C*nb floats.
    public static func step(_ w: StepWeights, taps table: TapTable, at q: Int, input x: UnsafePointer<Float>, batch B: Int,
                     b0: Int, nb: Int, into y: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>,
                     rowChunks: Int = 1, arithmetic: StepArithmetic = .fast) {
        let C = w.inputChannels, OC = w.outputChannels, KK = w.taps
        let t0 = table.start[q], n = table.start[q + 1] - t0
        for o in 0..<OC {
            var term: Float = 0
            if let mw = w.maskWeight {
                for t in t0..<(t0 + n) { term += mw[o * KK + table.tap[t]] * table.value[t] }
            }
            if let bias = w.bias { term += bias[o] }
            (y + o * nb).update(repeating: term, count: nb)
        }
        guard n > 0 else { return }
        // Gather the taps' input blocks: columns[(a*C + c)*nb + i] = X[source_a, c, b0 + i] * M[j_a, q].
        for a in 0..<n {
            let t = t0 + a, m = table.value[t]
            let src = x + table.source[t] * C * B + b0, dst = columns + a * C * nb
            if m == 1 {
                if nb == B {
                    dst.update(from: src, count: C * B)
                } else {
                    for c in 0..<C { copyShortRun(to: dst + c * nb, from: src + c * B, count: nb) }
                }
            } else {
                for c in 0..<C {
                    let from = src + c * B, to = dst + c * nb
                    for i in 0..<nb { to[i] = from[i] * m }
                }
            }
        }
        // One GEMM per run of consecutive taps (contiguous in the tap-major weight and in the column block), over
        // output rows o0..<o1.
        w.weight.withUnsafeBufferPointer { weight in
            let weight = weight.baseAddress!
            func multiply(rows: Range<Int>) {
                var a = 0
                while a < n {
                    let j0 = table.tap[t0 + a]
                    var length = 1
                    while a + length < n && table.tap[t0 + a + length] == j0 + length { length += 1 }
                    stepMatrixProduct(arithmetic, m: rows.count, n: nb, k: length * C,
                                      a: weight + rows.lowerBound * KK * C + j0 * C, lda: KK * C,
                                      b: columns + a * C * nb, ldb: nb, c: y + rows.lowerBound * nb, ldc: nb)
                    a += length
                }
            }
            let chunks = rowChunks > 1 && OC * n * C * nb >= 1 << 18 ? min(rowChunks, OC) : 1
            if chunks == 1 {
                multiply(rows: 0..<OC)
            } else {
                parallelRegion(chunks) { t in multiply(rows: (OC * t / chunks)..<(OC * (t + 1) / chunks)) }
            }
        }
    }

    /// Y (OC, L*B) = the convolution's output at the L locations of `tile`, every image: image b of location l in
    /// column l*B + b. One GEMM over all K*K taps, those the mask does not let through gathered as zeros. On the
    /// calling thread. `columns` holds at least KK*C*L*B floats.
    public static func step(_ w: StepWeights, taps table: TapTable, tile: [Int], input x: UnsafePointer<Float>, batch B: Int,
                     into y: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>,
                     arithmetic: StepArithmetic = .fast) {
        let C = w.inputChannels, OC = w.outputChannels, KK = w.taps, N = tile.count * B
        columns.update(repeating: 0, count: KK * C * N)
        for (l, q) in tile.enumerated() {
            let t0 = table.start[q], t1 = table.start[q + 1]
            for o in 0..<OC {
                var term: Float = 0
                if let mw = w.maskWeight {
                    for t in t0..<t1 { term += mw[o * KK + table.tap[t]] * table.value[t] }
                }
                if let bias = w.bias { term += bias[o] }
                (y + o * N + l * B).update(repeating: term, count: B)
            }
            for t in t0..<t1 {
                let m = table.value[t], src = x + table.source[t] * C * B
                let dst = columns + table.tap[t] * C * N + l * B      // rows j*C + c, columns l*B + b
                for c in 0..<C {
                    let from = src + c * B, to = dst + c * N
                    for b in 0..<B { to[b] = from[b] * m }
                }
            }
        }
        w.weight.withUnsafeBufferPointer { weight in
            stepMatrixProduct(arithmetic, m: OC, n: N, k: KK * C, a: weight.baseAddress!, lda: KK * C,
                              b: columns, ldb: N, c: y, ldc: N)
        }
    }
}
