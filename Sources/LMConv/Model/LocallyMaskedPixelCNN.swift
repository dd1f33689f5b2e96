// The Locally Masked PixelCNN (Jain et al. 2020): PixelCNN++'s up/down network of gated resnets, with every
// convolution locally masked by the generation order (SPEC section 5). The wiring comes from ``NetworkPlan``.
// Legend: B batch, C image channels, H rows, W cols, F filters, OC output channels, KK = k*k, HW = H*W.
// Internally every activation is channel-major over the whole batch, (channels, B, H, W). The network is
// convolutional: the same weights apply at any H x W (the masks must be made for that size).

/// A Locally Masked PixelCNN: parameters (under the reference's names) and the forward and backward passes.
public final class LocallyMaskedPixelCNN {
    public let configuration: ModelConfiguration
    /// The wiring every mode reads.
    public let plan: NetworkPlan
    /// Every parameter and its gradient, in flat buffers.
    public let parameters: ParameterStore
    /// The plan's layers, built (index i produces value i).
    let layers: [NetworkLayer]
    let ninOut: NetworkInNetwork                // F -> OC
    /// Masks made so far, per order and size.
    let maskCache = MaskCache()

    /// A layer of the plan with its parameters.
    enum NetworkLayer {
        case convolution(LocallyMaskedConv2d, mask: MaskKind, normalizationMask: MaskKind)
        case gatedResnet(GatedResnet, skip: Int?)
    }

    /// A network with PyTorch-default random initial weights drawn from `seed`.
    public init(configuration: ModelConfiguration, seed: UInt64 = 0) throws {
        try configuration.validate()
        self.configuration = configuration
        let cfg = configuration
        let plan = NetworkPlan(configuration: cfg)
        self.plan = plan
        let store = ParameterStore()
        var built = [NetworkLayer?](repeating: nil, count: plan.layers.count)
        for i in plan.registrationOrder {
            switch plan.layers[i] {
            case .convolution(let name, let inputChannels, let mask, let dilation, let normalizationMask):
                let conv = LocallyMaskedConv2d(
                    store: store, prefix: name, inputChannels: inputChannels, outputChannels: cfg.filters,
                    kernelSize: cfg.kernelSize, dilation: dilation, bias: cfg.convBias,
                    learnedMaskWeight: cfg.learnWeightForMasks, weightNormalized: cfg.normalization == .weightNorm)
                built[i] = .convolution(conv, mask: mask, normalizationMask: normalizationMask)
            case .gatedResnet(let name, let skip):
                let block = GatedResnet(store: store, prefix: name, filters: cfg.filters, kernelSize: cfg.kernelSize,
                                        hasSkipInput: skip != nil, normalization: cfg.normalization,
                                        bias: cfg.convBias, learnedMaskWeight: cfg.learnWeightForMasks,
                                        dropout: cfg.dropout)
                built[i] = .gatedResnet(block, skip: skip)
            }
        }
        layers = built.map { $0! }
        ninOut = NetworkInNetwork(store: store, prefix: plan.outputName, inputChannels: cfg.filters,
                                  outputChannels: cfg.outputChannels)
        store.seal()
        parameters = store
        var rng = Xoshiro256(seed: seed)
        for i in plan.registrationOrder {
            switch layers[i] {
            case .convolution(let conv, _, _): conv.initialize(store, using: &rng)
            case .gatedResnet(let block, _): block.initialize(store, using: &rng)
            }
        }
        ninOut.initialize(store, using: &rng)
    }

    /// Everything backward needs from one forward pass.
    public struct Cache {
        enum LayerCache {
            case convolution(LocallyMaskedConv2d.Cache, NormalizationCache)
            case gatedResnet(GatedResnet.Cache)
        }
        let batch: Int
        let layers: [LayerCache]                 // by layer index
        let finalHidden: Tensor                  // the last value, before elu (F, B, H, W)
        let ninOut: NetworkInNetwork.Cache
    }

    /// The raw output (OC, B, H, W) for images x (B, C, H, W) scaled to [-1, 1], under one order's masks (made for
    /// this H x W).
    ///
    /// - Parameters:
    ///   - training: draw dropout masks (when the configuration has dropout).
    ///   - rng: the dropout's random numbers: one seed drawn from it (only when dropout is on) derives a generator
    ///     per image.
    public func forward(_ x: Tensor, masks: OrderMasks, training: Bool = false,
                        rng: inout Xoshiro256) -> (output: Tensor, cache: Cache) {
        let dropoutOn = training && configuration.dropout > 0
        var generators = DropoutGenerators(seed: dropoutOn ? rng.next() : 0, count: dropoutOn ? x.shape[0] : 0)
        return forward(x, masks: masks, training: dropoutOn, dropout: &generators)
    }

    /// The raw output (OC, B, H, W) for images x (B, C, H, W), with dropout (when training) drawn from one
    /// generator per image (B of them; none needed when not training or without dropout).
    public func forward(_ x: Tensor, masks: OrderMasks, training: Bool,
                        dropout rng: inout DropoutGenerators) -> (output: Tensor, cache: Cache) {
        let C = configuration.channels
        precondition(x.shape.count == 4 && x.shape[1] == C, "input shape \(x.shape) does not fit the model (B, \(C), H, W)")
        let (B, H, W) = (x.shape[0], x.shape[2], x.shape[3]), HW = H * W
        precondition(masks.initial.shape == [configuration.kernelSize * configuration.kernelSize, HW],
                     "the masks are not made for \(H)x\(W) images")
        // x1 (C+1, B, H, W): the image, channel-major, and a channel of ones.
        var x1 = Tensor(shape: [C + 1, B, H, W], repeating: 1)
        for b in 0..<B { for c in 0..<C { for q in 0..<HW {
            x1.scalars[(c * B + b) * HW + q] = x.scalars[(b * C + c) * HW + q]
        } } }
        let store = parameters
        var values: [Tensor] = []                // value i (F, B, H, W), the output of layer i
        var caches: [Cache.LayerCache] = []
        values.reserveCapacity(layers.count)
        for (i, layer) in layers.enumerated() {
            let input = i == 0 ? x1 : values[i - 1]
            switch layer {
            case .convolution(let conv, let mask, let normalizationMask):
                let (h, c) = conv.forward(input, mask: mask.mask(in: masks), store: store)
                let (u, n) = normalizationForward(configuration.normalization, h,
                                                  mask: normalizationMask.mask(in: masks))
                values.append(u)
                caches.append(.convolution(c, n))
            case .gatedResnet(let block, let skip):
                let (u, c) = block.forward(input, skip: skip.map { values[$0] }, mask: masks.undilated, store: store,
                                           training: training, rng: &rng)
                values.append(u)
                caches.append(.gatedResnet(c))
            }
        }
        let last = values[layers.count - 1]
        let (out, ninCache) = ninOut.forward(eluForward(last), store: store)
        return (out, Cache(batch: B, layers: caches, finalHidden: last, ninOut: ninCache))
    }

    /// Accumulates every parameter's gradient (into ``parameters``) from d(output) (OC, B, H, W).
    public func backward(_ dOutput: Tensor, cache: Cache) {
        let store = parameters
        // dValues[i]: the gradient of value i, summed over its readers (the next layer and, for up-pass values, the
        // down-pass resnet that reads it as a skip, which comes later in the plan and so is visited first here).
        var dValues = [Tensor?](repeating: nil, count: layers.count)
        func accumulate(_ index: Int, _ g: Tensor) {
            if dValues[index] == nil { dValues[index] = g } else { addInPlace(&dValues[index]!, g) }
        }
        accumulate(layers.count - 1,
                   eluBackward(ninOut.backward(dOutput, cache: cache.ninOut, store: store), input: cache.finalHidden))
        for i in layers.indices.reversed() {
            guard let dOut = dValues[i] else { preconditionFailure("value \(i) has no reader") }
            dValues[i] = nil
            switch (layers[i], cache.layers[i]) {
            case (.convolution(let conv, _, _), .convolution(let c, let n)):
                let dInput = conv.backward(normalizationBackward(dOut, cache: n), cache: c, store: store)
                if i > 0 { accumulate(i - 1, dInput) }
            case (.gatedResnet(let block, let skip), .gatedResnet(let c)):
                let (dInput, dSkip) = block.backward(dOut, cache: c, store: store)
                if let skip, let dSkip { accumulate(skip, dSkip) }
                accumulate(i - 1, dInput)
            default:
                preconditionFailure("layer \(i)'s cache does not match the layer")
            }
        }
    }
}

extension Tensor {
    /// Swaps the two leading axes: (A, B, rest...) -> (B, A, rest...). Converts between the network's channel-major
    /// layout (C, B, H, W) and the usual (B, C, H, W).
    public func swappingLeadingAxes() -> Tensor {
        let a = shape[0], b = shape[1], inner = count / (a * b)
        var out = Tensor(shape: [b, a] + shape.dropFirst(2))
        for i in 0..<a { for j in 0..<b {
            let src = (i * b + j) * inner, dst = (j * a + i) * inner
            for q in 0..<inner { out.scalars[dst + q] = scalars[src + q] }
        } }
        return out
    }
}
