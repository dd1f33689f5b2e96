// The Locally Masked PixelCNN (Jain et al. 2020): PixelCNN++'s up/down network of gated resnets, with every
// convolution locally masked by the generation order (SPEC section 5).
// Legend: B batch, C image channels, H rows, W cols, F filters, R resnets, OC output channels, KK = k*k, HW = H*W.
// Internally every activation is channel-major over the whole batch, (channels, B, H, W).

/// A Locally Masked PixelCNN: parameters (under the reference's names) and the forward and backward passes.
public final class LocallyMaskedPixelCNN {
    public let configuration: ModelConfiguration
    /// Every parameter and its gradient, in flat buffers.
    public let parameters: ParameterStore
    let uInit: LocallyMaskedConv2d              // C+1 -> F, type A mask
    let upLayers: [[GatedResnet]]               // 3 stages x R
    let downsize: [LocallyMaskedConv2d]         // 2, F -> F, dilated
    let downLayers: [[GatedResnet]]             // stages of R, R+1, R+1, with skip inputs
    let upsize: [LocallyMaskedConv2d]           // 2, F -> F, dilated
    let ninOut: NetworkInNetwork                // F -> OC

    /// A network with PyTorch-default random initial weights drawn from `seed`.
    public init(configuration: ModelConfiguration, seed: UInt64 = 0) throws {
        try configuration.validate()
        self.configuration = configuration
        let store = ParameterStore()
        let cfg = configuration, F = cfg.filters, R = cfg.resnets, k = cfg.kernelSize
        let weightNormalized = cfg.normalization == .weightNorm
        func conv(_ prefix: String, _ cin: Int, _ cout: Int, dilation: Int) -> LocallyMaskedConv2d {
            LocallyMaskedConv2d(store: store, prefix: prefix, inputChannels: cin, outputChannels: cout, kernelSize: k,
                                dilation: dilation, bias: cfg.convBias, learnedMaskWeight: cfg.learnWeightForMasks,
                                weightNormalized: weightNormalized)
        }
        func resnet(_ prefix: String, skip: Bool) -> GatedResnet {
            GatedResnet(store: store, prefix: prefix, filters: F, kernelSize: k, hasSkipInput: skip,
                        normalization: cfg.normalization, bias: cfg.convBias,
                        learnedMaskWeight: cfg.learnWeightForMasks, dropout: cfg.dropout)
        }
        downLayers = (0..<3).map { i in
            (0..<(i == 0 ? R : R + 1)).map { j in resnet("down_layers.\(i).u_stream.\(j)", skip: true) }
        }
        upLayers = (0..<3).map { i in (0..<R).map { j in resnet("up_layers.\(i).u_stream.\(j)", skip: false) } }
        downsize = (0..<2).map { conv("downsize_u_stream.\($0)", F, F, dilation: cfg.maxDilation) }
        upsize = (0..<2).map { conv("upsize_u_stream.\($0)", F, F, dilation: cfg.maxDilation) }
        uInit = conv("u_init", cfg.channels + 1, F, dilation: 1)
        ninOut = NetworkInNetwork(store: store, prefix: "nin_out", inputChannels: F, outputChannels: cfg.outputChannels)
        store.seal()
        parameters = store
        var rng = Xoshiro256(seed: seed)
        for stage in downLayers { for block in stage { block.initialize(store, using: &rng) } }
        for stage in upLayers { for block in stage { block.initialize(store, using: &rng) } }
        for layer in downsize + upsize + [uInit] { layer.initialize(store, using: &rng) }
        ninOut.initialize(store, using: &rng)
    }

    /// Everything backward needs from one forward pass.
    public struct Cache {
        enum UpStep {
            case resnet(stage: Int, index: Int, GatedResnet.Cache)
            case downsize(stage: Int, LocallyMaskedConv2d.Cache, NormalizationCache)
        }
        let batch: Int
        let uInit: LocallyMaskedConv2d.Cache
        let uInitNorm: NormalizationCache
        let upSteps: [UpStep]                    // produce u_list[1...] in order
        let downBlocks: [[GatedResnet.Cache]]
        let upsize: [(LocallyMaskedConv2d.Cache, NormalizationCache)]
        let finalHidden: Tensor                  // u before elu (F, B, H, W)
        let ninOut: NetworkInNetwork.Cache
    }

    /// The raw output (OC, B, H, W) for images x (B, C, H, W) scaled to [-1, 1], under one order's masks.
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
        let cfg = configuration, C = cfg.channels, H = cfg.height, W = cfg.width, R = cfg.resnets
        precondition(x.shape.count == 4 && x.shape[1] == C && x.shape[2] == H && x.shape[3] == W,
                     "input shape \(x.shape) does not fit the model (B, \(C), \(H), \(W))")
        let B = x.shape[0], HW = H * W
        // x1 (C+1, B, H, W): the image, channel-major, and a channel of ones.
        var x1 = Tensor(shape: [C + 1, B, H, W], repeating: 1)
        for b in 0..<B { for c in 0..<C { for q in 0..<HW {
            x1.scalars[(c * B + b) * HW + q] = x.scalars[(b * C + c) * HW + q]
        } } }
        let store = parameters
        let (h0, uInitCache) = uInit.forward(x1, mask: masks.initial, store: store)
        let (u0, uInitNorm) = normalizationForward(cfg.normalization, h0, mask: masks.undilated)
        var uList = [u0]
        var upSteps: [Cache.UpStep] = []
        for i in 0..<3 {
            for j in 0..<R {
                let (u, c) = upLayers[i][j].forward(uList.last!, skip: nil, mask: masks.undilated, store: store,
                                                   training: training, rng: &rng)
                uList.append(u)
                upSteps.append(.resnet(stage: i, index: j, c))
            }
            if i < 2 {
                let (h, c) = downsize[i].forward(uList.last!, mask: masks.dilated, store: store)
                let (u, n) = normalizationForward(cfg.normalization, h, mask: masks.dilated)
                uList.append(u)
                upSteps.append(.downsize(stage: i, c, n))
            }
        }
        var u = uList.removeLast()
        var downCaches: [[GatedResnet.Cache]] = [[], [], []]
        var upsizeCaches: [(LocallyMaskedConv2d.Cache, NormalizationCache)] = []
        for i in 0..<3 {
            for block in downLayers[i] {
                let (next, c) = block.forward(u, skip: uList.removeLast(), mask: masks.undilated, store: store,
                                              training: training, rng: &rng)
                u = next
                downCaches[i].append(c)
            }
            if i < 2 {
                let (h, c) = upsize[i].forward(u, mask: masks.dilated, store: store)
                let (next, n) = normalizationForward(cfg.normalization, h, mask: masks.dilated)
                u = next
                upsizeCaches.append((c, n))
            }
        }
        precondition(uList.isEmpty, "the down pass uses every element of u_list")
        let (out, ninCache) = ninOut.forward(eluForward(u), store: store)
        return (out, Cache(batch: B, uInit: uInitCache, uInitNorm: uInitNorm, upSteps: upSteps, downBlocks: downCaches,
                           upsize: upsizeCaches, finalHidden: u, ninOut: ninCache))
    }

    /// Accumulates every parameter's gradient (into ``parameters``) from d(output) (OC, B, H, W).
    public func backward(_ dOutput: Tensor, cache: Cache) {
        let store = parameters
        let cfg = configuration, R = cfg.resnets
        var dU = eluBackward(ninOut.backward(dOutput, cache: cache.ninOut, store: store), input: cache.finalHidden)
        // Gradients of u_list: index 0 is u_init's output, 3R + 2 the last up-pass output.
        let listCount = 3 * R + 3
        var dList = [Tensor?](repeating: nil, count: listCount)
        func accumulate(_ index: Int, _ g: Tensor) {
            if dList[index] == nil { dList[index] = g } else { addInPlace(&dList[index]!, g) }
        }
        // The down pass consumed skips u_list[3R+1], [3R], ..., [0] in that order.
        var skipIndex = 0
        for i in (0..<3).reversed() {
            if i < 2 {
                let (c, n) = cache.upsize[i]
                dU = upsize[i].backward(normalizationBackward(dU, cache: n), cache: c, store: store)
            }
            for j in (0..<downLayers[i].count).reversed() {
                let (dIn, dSkip) = downLayers[i][j].backward(dU, cache: cache.downBlocks[i][j], store: store)
                dU = dIn
                accumulate(skipIndex, dSkip!)
                skipIndex += 1
            }
        }
        accumulate(listCount - 1, dU)
        for (offset, step) in cache.upSteps.enumerated().reversed() {
            let index = offset + 1
            let dOut = dList[index]!
            switch step {
            case .resnet(let i, let j, let c):
                accumulate(index - 1, upLayers[i][j].backward(dOut, cache: c, store: store).dInput)
            case .downsize(let i, let c, let n):
                accumulate(index - 1, downsize[i].backward(normalizationBackward(dOut, cache: n), cache: c, store: store))
            }
        }
        _ = uInit.backward(normalizationBackward(dList[0]!, cache: cache.uInitNorm), cache: cache.uInit, store: store)
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
