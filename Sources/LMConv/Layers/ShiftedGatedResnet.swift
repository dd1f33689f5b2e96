// The gated residual block of PixelCNN++ (the reference's gated_resnet with a shifted convolution as conv_op and no
// feature normalisation). Legend: F filters, S skip inputs (0, 1 or 2, the reference's skip_connection), N = B*H*W.
// All activations (channels, B, H, W).

/// `og + a * sigmoid(b)`, where [a, b] = conv_out(dropout(concat_elu(conv_input(concat_elu(og))
/// [+ nin_skip(concat_elu(skip))]))), with down-shifted (u stream) or down-right-shifted (ul stream) convolutions.
public struct ShiftedGatedResnet {
    public let filters: Int
    /// The skip input's channels in units of F (0: none).
    public let skipInputs: Int
    let convInput: ShiftedConv2d          // 2F -> F
    let convOut: ShiftedConv2d            // 2F -> 2F
    let ninSkip: NetworkInNetwork?        // 2*S*F -> F
    let dropout: Float

    /// - Parameters:
    ///   - kind: `.down` for the u stream (2x3 kernels), `.downRight` for the ul stream (2x2 kernels).
    ///   - skipInputs: S, the skip input having S*F channels (0 for none).
    public init(store: ParameterStore, prefix: String, kind: ShiftKind, filters F: Int, skipInputs: Int,
                dropout: Float) {
        filters = F
        self.skipInputs = skipInputs
        self.dropout = dropout
        let kernelWidth = kind == .down ? 3 : 2
        convInput = ShiftedConv2d(store: store, prefix: prefix + ".conv_input", kind: kind, inputChannels: 2 * F,
                                  outputChannels: F, kernelHeight: 2, kernelWidth: kernelWidth)
        ninSkip = skipInputs > 0
            ? NetworkInNetwork(store: store, prefix: prefix + ".nin_skip", inputChannels: 2 * skipInputs * F,
                               outputChannels: F) : nil
        convOut = ShiftedConv2d(store: store, prefix: prefix + ".conv_out", kind: kind, inputChannels: 2 * F,
                                outputChannels: 2 * F, kernelHeight: 2, kernelWidth: kernelWidth)
    }

    public struct Cache {
        let input: Tensor                                   // og (F, B, H, W)
        let convInput: ShiftedConv2d.Cache
        let skip: (input: Tensor, nin: NetworkInNetwork.Cache)?   // skip (S*F, ...), its nin cache
        let hidden: Tensor                                  // x before the second concat_elu (F, B, H, W)
        let dropout: DropoutMask?
        let convOut: ShiftedConv2d.Cache
        let gateA: Tensor                                   // a (F, B, H, W)
        let gateB: Tensor                                   // b (F, B, H, W)
    }

    /// The block's output (F, B, H, W) from og (F, B, H, W) and the skip input (S*F, B, H, W) when S > 0.
    public func forward(_ og: Tensor, skip: Tensor?, store: ParameterStore, training: Bool,
                        rng: inout DropoutGenerators) -> (Tensor, Cache) {
        precondition((skip == nil) == (ninSkip == nil), "the skip input is given exactly when the block has one")
        // The convolutions' inputs (concat-ELUs) are recomputed in backward rather than kept.
        var (x, convInputCache) = convInput.forward(concatELU(og), store: store, keepInput: false)
        var skipCache: (Tensor, NetworkInNetwork.Cache)? = nil
        if let skip, let ninSkip {
            let (s, c) = ninSkip.forward(concatELU(skip), store: store)
            addInPlace(&x, s)
            skipCache = (skip, c)
        }
        var c2 = concatELU(x)
        let dropoutMask = training ? drawDropoutMask(shape: c2.shape, probability: dropout, using: &rng) : nil
        applyDropout(&c2, dropoutMask)
        let (h2, convOutCache) = convOut.forward(c2, store: store, keepInput: false)
        let (a, b) = splitChannels(h2, first: filters)
        var out = og
        let count = og.count
        out.withUnsafeMutableBufferPointer { o in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    let o = o.baseAddress!, a = a.baseAddress!, b = b.baseAddress!
                    parallelFor(count) { range in for i in range { o[i] += a[i] * sigmoid(b[i]) } }
                }
            }
        }
        return (out, Cache(input: og, convInput: convInputCache, skip: skipCache, hidden: x, dropout: dropoutMask,
                           convOut: convOutCache, gateA: a, gateB: b))
    }

    /// d(og) and d(skip) from d(output); accumulates the parameter gradients.
    public func backward(_ dOutput: Tensor, cache: Cache, store: ParameterStore) -> (dInput: Tensor, dSkip: Tensor?) {
        // out = og + a σ(b): da = dy σ(b), db = dy a σ(b)(1 − σ(b)).
        var dA = Tensor(uninitializedShape: dOutput.shape), dB = Tensor(uninitializedShape: dOutput.shape)
        for i in 0..<dOutput.count {
            let s = sigmoid(cache.gateB.scalars[i]), dy = dOutput.scalars[i]
            dA.scalars[i] = dy * s
            dB.scalars[i] = dy * cache.gateA.scalars[i] * s * (1 - s)
        }
        let dH2 = concatenateChannels(dA, dB)
        var c2 = concatELU(cache.hidden)
        applyDropout(&c2, cache.dropout)
        var dC2 = convOut.backward(dH2, cache: cache.convOut, store: store, input: c2)
        applyDropout(&dC2, cache.dropout)
        let dX = concatELUBackward(dC2, input: cache.hidden)
        var dSkip: Tensor? = nil
        if let (skipInput, ninCache) = cache.skip, let ninSkip {
            dSkip = concatELUBackward(ninSkip.backward(dX, cache: ninCache, store: store), input: skipInput)
        }
        var dInput = concatELUBackward(
            convInput.backward(dX, cache: cache.convInput, store: store, input: concatELU(cache.input)),
            input: cache.input)
        addInPlace(&dInput, dOutput)
        return (dInput, dSkip)
    }

    func initialize(_ store: ParameterStore, using rng: inout Xoshiro256) {
        convInput.initialize(store, using: &rng)
        ninSkip?.initialize(store, using: &rng)
        convOut.initialize(store, using: &rng)
    }
}

// MARK: - Channel concatenation of channel-major tensors

/// concat([x, y], channel axis) for x (C1, B, H, W) and y (C2, B, H, W): channel-major, so the arrays follow each other.
func concatenateChannels(_ x: Tensor, _ y: Tensor) -> Tensor {
    precondition(x.shape.dropFirst() == y.shape.dropFirst(), "concatenating \(x.shape) and \(y.shape)")
    return Tensor(shape: [x.shape[0] + y.shape[0]] + x.shape.dropFirst(), scalars: x.scalars + y.scalars)
}

/// The inverse of ``concatenateChannels(_:_:)``: the first `first` channels and the rest.
func splitChannels(_ x: Tensor, first: Int) -> (Tensor, Tensor) {
    let rest = Array(x.shape.dropFirst()), size = rest.reduce(1, *)
    return (Tensor(shape: [first] + rest, scalars: Array(x.scalars[0..<(first * size)])),
            Tensor(shape: [x.shape[0] - first] + rest, scalars: Array(x.scalars[(first * size)...])))
}
