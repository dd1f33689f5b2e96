// The gated residual block of PixelCNN++ with locally masked convolutions (SPEC section 4).
// Legend: F filters, N = B*H*W. All activations (channels, B, H, W).

/// `og + a * sigmoid(b)`, where [a, b] = conv_out(concat_elu(norm(conv_input(concat_elu(og))) [+ nin_skip(concat_elu(skip))])).
public struct GatedResnet {
    public let filters: Int
    let convInput: LocallyMaskedConv2d       // 2F -> F
    let convOut: LocallyMaskedConv2d         // 2F -> 2F
    let ninSkip: NetworkInNetwork?           // 2F -> F (down path only)
    let normalization: Normalization
    let dropout: Float

    public init(store: ParameterStore, prefix: String, filters F: Int, kernelSize: Int, hasSkipInput: Bool,
                normalization: Normalization, bias: Bool, learnedMaskWeight: Bool, dropout: Float) {
        filters = F
        self.normalization = normalization
        self.dropout = dropout
        let weightNormalized = normalization == .weightNorm
        convInput = LocallyMaskedConv2d(store: store, prefix: prefix + ".conv_input", inputChannels: 2 * F,
                                        outputChannels: F, kernelSize: kernelSize, dilation: 1, bias: bias,
                                        learnedMaskWeight: learnedMaskWeight, weightNormalized: weightNormalized)
        ninSkip = hasSkipInput
            ? NetworkInNetwork(store: store, prefix: prefix + ".nin_skip", inputChannels: 2 * F, outputChannels: F) : nil
        convOut = LocallyMaskedConv2d(store: store, prefix: prefix + ".conv_out", inputChannels: 2 * F,
                                      outputChannels: 2 * F, kernelSize: kernelSize, dilation: 1, bias: bias,
                                      learnedMaskWeight: learnedMaskWeight, weightNormalized: weightNormalized)
    }

    public struct Cache {
        let input: Tensor                                   // og (F, B, H, W)
        let convInput: LocallyMaskedConv2d.Cache
        let norm1: NormalizationCache
        let skip: (input: Tensor, nin: NetworkInNetwork.Cache)?   // skip a (F, ...), its nin cache
        let hidden: Tensor                                  // x before the second concat_elu (F, B, H, W)
        let dropout: DropoutMask?
        let convOut: LocallyMaskedConv2d.Cache
        let norm2: NormalizationCache
        let gateA: Tensor                                   // norm(a) (F, B, H, W)
        let gateB: Tensor                                   // b (F, B, H, W)
    }

    /// The block's output (F, B, H, W) from og (F, B, H, W), an optional skip input (F, B, H, W) and the mask (KK, HW).
    public func forward(_ og: Tensor, skip: Tensor?, mask: Tensor, store: ParameterStore, training: Bool,
                        rng: inout DropoutGenerators) -> (Tensor, Cache) {
        let (h1, convInputCache) = convInput.forward(concatELU(og), mask: mask, store: store, keepInput: false)
        var (x, norm1) = normalizationForward(normalization, h1, mask: mask)
        var skipCache: (Tensor, NetworkInNetwork.Cache)? = nil
        if let skip, let ninSkip {
            let (s, c) = ninSkip.forward(concatELU(skip), store: store)
            addInPlace(&x, s)
            skipCache = (skip, c)
        }
        var c2 = concatELU(x)
        let dropoutMask = training ? drawDropoutMask(shape: c2.shape, probability: dropout, using: &rng) : nil
        applyDropout(&c2, dropoutMask)
        let (h2, convOutCache) = convOut.forward(c2, mask: mask, store: store, keepInput: false)
        let half = h2.count / 2
        let restShape = Array(h2.shape.dropFirst())
        let aRaw = Tensor(shape: [filters] + restShape, scalars: Array(h2.scalars[0..<half]))
        let b = Tensor(shape: [filters] + restShape, scalars: Array(h2.scalars[half...]))
        let (a, norm2) = normalizationForward(normalization, aRaw, mask: mask)
        var out = og
        out.withUnsafeMutableBufferPointer { o in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    let o = o.baseAddress!, a = a.baseAddress!, b = b.baseAddress!
                    parallelFor(half) { range in for i in range { o[i] += a[i] * sigmoid(b[i]) } }
                }
            }
        }
        return (out, Cache(input: og, convInput: convInputCache, norm1: norm1, skip: skipCache, hidden: x,
                           dropout: dropoutMask, convOut: convOutCache, norm2: norm2, gateA: a, gateB: b))
    }

    /// d(og) and d(skip) from d(output); accumulates the parameter gradients.
    public func backward(_ dOutput: Tensor, cache: Cache, store: ParameterStore) -> (dInput: Tensor, dSkip: Tensor?) {
        let half = dOutput.count
        // out = og + a σ(b): da = dy σ(b), db = dy a σ(b)(1 − σ(b)).
        var dA = Tensor(uninitializedShape: dOutput.shape), dB = Tensor(uninitializedShape: dOutput.shape)
        dOutput.withUnsafeBufferPointer { dy in
            cache.gateA.withUnsafeBufferPointer { a in
                cache.gateB.withUnsafeBufferPointer { b in
                    dA.withUnsafeMutableBufferPointer { da in
                        dB.withUnsafeMutableBufferPointer { db in
                            let dy = dy.baseAddress!, a = a.baseAddress!, b = b.baseAddress!
                            let da = da.baseAddress!, db = db.baseAddress!
                            parallelFor(half) { range in
                                for i in range {
                                    let s = sigmoid(b[i])
                                    da[i] = dy[i] * s
                                    db[i] = dy[i] * a[i] * s * (1 - s)
                                }
                            }
                        }
                    }
                }
            }
        }
        let dARaw = normalizationBackward(dA, cache: cache.norm2)
        let dH2 = Tensor(shape: [2 * filters] + dOutput.shape.dropFirst(), scalars: dARaw.scalars + dB.scalars)
        // The convolutions' inputs are recomputed from og and the hidden state rather than kept (memory).
        var c2 = concatELU(cache.hidden)
        applyDropout(&c2, cache.dropout)
        var dC2 = convOut.backward(dH2, cache: cache.convOut, store: store, input: c2)
        applyDropout(&dC2, cache.dropout)
        let dX = concatELUBackward(dC2, input: cache.hidden)
        var dSkip: Tensor? = nil
        if let (skipInput, ninCache) = cache.skip, let ninSkip {
            dSkip = concatELUBackward(ninSkip.backward(dX, cache: ninCache, store: store), input: skipInput)
        }
        let dH1 = normalizationBackward(dX, cache: cache.norm1)
        var dInput = concatELUBackward(
            convInput.backward(dH1, cache: cache.convInput, store: store, input: concatELU(cache.input)),
            input: cache.input)
        addInPlace(&dInput, dOutput)
        return (dInput, dSkip)
    }

    public func initialize(_ store: ParameterStore, using rng: inout Xoshiro256) {
        convInput.initialize(store, using: &rng)
        ninSkip?.initialize(store, using: &rng)
        convOut.initialize(store, using: &rng)
    }
}

// MARK: - One location at a time (the incremental machinery's step)

extension GatedResnet {
    /// The block's current parameters in the layouts steps read.
    public struct StepWeights: Sendable {
        public let convInput: LocallyMaskedConv2d.StepWeights
        public let convOut: LocallyMaskedConv2d.StepWeights
        public let ninSkip: NetworkInNetwork.StepWeights?
    }

    public func stepWeights(_ store: ParameterStore) -> StepWeights {
        StepWeights(convInput: convInput.stepWeights(store), convOut: convOut.stepWeights(store),
                    ninSkip: ninSkip?.stepWeights(store))
    }

    /// The first half at one location, once conv_input's output is in x (F, nb): x = norm(x) [+ nin_skip(skip)],
    /// the block's hidden state before its second concat_elu. `skipConcatELU` (2F, nb) is concat_elu of the skip
    /// input at this location; `term` is scratch for F*nb floats. On the calling thread.
    public static func stepHidden(_ w: StepWeights, _ x: UnsafeMutablePointer<Float>, skipConcatELU: UnsafePointer<Float>?,
                           filters F: Int, nb: Int, normalization: Normalization, inverseCount: Float,
                           statistics: UnsafeMutablePointer<Float>, term: UnsafeMutablePointer<Float>,
                           arithmetic: StepArithmetic = .fast) {
        normalizationStep(normalization, x, channels: F, nb: nb, inverseCount: inverseCount, statistics: statistics)
        if let skipConcatELU, let ninSkip = w.ninSkip {
            NetworkInNetwork.step(ninSkip, input: skipConcatELU, nb: nb, into: term, ldy: nb, arithmetic: arithmetic)
            for i in 0..<(F * nb) { x[i] += term[i] }
        }
    }

    /// The second half at one location, once conv_out's output [a; b] is in h (2F, nb) and og in `output` (F, nb):
    /// output = og + norm(a) * σ(b). On the calling thread.
    public static func stepGate(_ h: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, filters F: Int,
                         nb: Int, normalization: Normalization, inverseCount: Float,
                         statistics: UnsafeMutablePointer<Float>, arithmetic: StepArithmetic = .fast) {
        normalizationStep(normalization, h, channels: F, nb: nb, inverseCount: inverseCount, statistics: statistics)
        let gate = h + F * nb
        stepSigmoids(arithmetic, gate, count: F * nb)   // in place: the gate is not needed afterwards
        for i in 0..<(F * nb) { output[i] += h[i] * gate[i] }
    }
}
