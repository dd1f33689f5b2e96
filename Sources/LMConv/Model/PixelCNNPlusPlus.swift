// PixelCNN++ (Salimans, Karpathy, Chen, Kingma 2017) as the reference's baseline.py builds it (what its main.py
// trains without --ours): raster order only, causal by shifted convolutions in two streams, u (the rows above) and
// ul (above and to the left), no masks. Three stages of gated resnets at full, half and quarter resolution in an
// up pass, stride-2 down-sampling between them, and a down pass back up through transposed convolutions that takes
// every up-pass output as a skip input.
// Legend: B batch, C image channels, H rows, W cols, F filters, R resnets, OC output channels.
// Internally every activation is channel-major over the whole batch, (channels, B, H, W).

/// A u-stream and a ul-stream gated resnet at the same depth.
struct ResnetPair {
    let u: ShiftedGatedResnet             // down-shifted
    let ul: ShiftedGatedResnet            // down-right-shifted
}

/// PixelCNN++: parameters (under the reference's names) and the forward and backward passes.
///
/// Of the configuration it uses channels, height, width, binarize, filters, resnets, mixtures, nBits (through the
/// likelihood) and dropout. Every convolution is weight-normalised with a bias, as in the reference, so
/// `normalization`, `convBias`, `learnWeightForMasks`, `kernelSize` and `maxDilation` play no part. The output is a
/// discretized logistic mixture (3M or 10M channels, the reference's) or, for binarized data, 2 logits (which the
/// reference's baseline lacks; the same binary likelihood as the locally masked model's). Like the locally masked
/// network it is convolutional: the same weights apply at any image size (the configuration's is the trained one).
public final class PixelCNNPlusPlus {
    public let configuration: ModelConfiguration
    /// Every parameter and its gradient, in flat buffers.
    public let parameters: ParameterStore
    let uInit: ShiftedConv2d                          // C+1 -> F, 2x3, output shifted down
    let ulInit: [ShiftedConv2d]                       // C+1 -> F: 1x3 shifted down, 2x1 down-right shifted right
    let upLayers: [[ResnetPair]]                      // 3 stages x R; skips: none (u), u (ul)
    let downsizeU: [ShiftedConv2d]                    // 2, F -> F, stride 2
    let downsizeUL: [ShiftedConv2d]
    let downLayers: [[ResnetPair]]                    // stages of R, R+1, R+1; skips: u_list (u), [u, ul_list] (ul)
    let upsizeU: [ShiftedConvTranspose2d]             // 2, F -> F, stride 2
    let upsizeUL: [ShiftedConvTranspose2d]
    let ninOut: NetworkInNetwork                      // F -> OC

    /// A network with PyTorch-default random initial weights drawn from `seed`.
    ///
    /// - Throws: when the configuration is invalid or is not for this network (``ModelConfiguration/network``).
    public init(configuration: ModelConfiguration, seed: UInt64 = 0) throws {
        try configuration.validate()
        guard configuration.network == .pixelCNNPlusPlus else {
            throw LMConvError.invalidArgument(reason: "invalid model configuration: network is '\(configuration.network.rawValue)', "
                              + "PixelCNNPlusPlus needs '\(NetworkKind.pixelCNNPlusPlus.rawValue)'")
        }
        self.configuration = configuration
        let store = ParameterStore()
        let cfg = configuration, F = cfg.filters, R = cfg.resnets, C1 = cfg.channels + 1
        func pair(_ prefix: String, _ j: Int, uSkip: Int, ulSkip: Int) -> ResnetPair {
            ResnetPair(u: ShiftedGatedResnet(store: store, prefix: "\(prefix).u_stream.\(j)", kind: .down, filters: F,
                                             skipInputs: uSkip, dropout: cfg.dropout),
                       ul: ShiftedGatedResnet(store: store, prefix: "\(prefix).ul_stream.\(j)", kind: .downRight,
                                              filters: F, skipInputs: ulSkip, dropout: cfg.dropout))
        }
        // Registered in the reference's module order (its state dict's order).
        downLayers = (0..<3).map { i in
            (0..<(i == 0 ? R : R + 1)).map { pair("down_layers.\(i)", $0, uSkip: 1, ulSkip: 2) }
        }
        upLayers = (0..<3).map { i in (0..<R).map { pair("up_layers.\(i)", $0, uSkip: 0, ulSkip: 1) } }
        downsizeU = (0..<2).map {
            ShiftedConv2d(store: store, prefix: "downsize_u_stream.\($0)", kind: .down, inputChannels: F,
                          outputChannels: F, kernelHeight: 2, kernelWidth: 3, stride: 2)
        }
        downsizeUL = (0..<2).map {
            ShiftedConv2d(store: store, prefix: "downsize_ul_stream.\($0)", kind: .downRight, inputChannels: F,
                          outputChannels: F, kernelHeight: 2, kernelWidth: 2, stride: 2)
        }
        upsizeU = (0..<2).map {
            ShiftedConvTranspose2d(store: store, prefix: "upsize_u_stream.\($0)", kind: .down, inputChannels: F,
                                   outputChannels: F, kernelHeight: 2, kernelWidth: 3, stride: 2)
        }
        upsizeUL = (0..<2).map {
            ShiftedConvTranspose2d(store: store, prefix: "upsize_ul_stream.\($0)", kind: .downRight, inputChannels: F,
                                   outputChannels: F, kernelHeight: 2, kernelWidth: 2, stride: 2)
        }
        uInit = ShiftedConv2d(store: store, prefix: "u_init", kind: .down, inputChannels: C1, outputChannels: F,
                              kernelHeight: 2, kernelWidth: 3, shiftsOutput: true)
        ulInit = [
            ShiftedConv2d(store: store, prefix: "ul_init.0", kind: .down, inputChannels: C1, outputChannels: F,
                          kernelHeight: 1, kernelWidth: 3, shiftsOutput: true),
            ShiftedConv2d(store: store, prefix: "ul_init.1", kind: .downRight, inputChannels: C1, outputChannels: F,
                          kernelHeight: 2, kernelWidth: 1, shiftsOutput: true),
        ]
        ninOut = NetworkInNetwork(store: store, prefix: "nin_out", inputChannels: F, outputChannels: cfg.outputChannels)
        store.seal()
        parameters = store
        var rng = Xoshiro256(seed: seed)
        for block in (downLayers + upLayers).joined() {
            block.u.initialize(store, using: &rng)
            block.ul.initialize(store, using: &rng)
        }
        for layer in downsizeU + downsizeUL + [uInit] + ulInit { layer.initialize(store, using: &rng) }
        for layer in upsizeU + upsizeUL { layer.initialize(store, using: &rng) }
        ninOut.initialize(store, using: &rng)
    }

    /// The (rows, cols) of the three resolutions for H x W images: the image's, then each stride-2 down-sampling's
    /// ⌊(n − 1)/2⌋ + 1.
    func resolutions(height: Int, width: Int) -> [(height: Int, width: Int)] {
        var sizes = [(height, width)]
        for _ in 0..<2 { sizes.append(((sizes.last!.0 - 1) / 2 + 1, (sizes.last!.1 - 1) / 2 + 1)) }
        return sizes
    }

    /// Everything backward needs from one forward pass.
    public struct Cache {
        enum UpStep {
            case resnet(stage: Int, index: Int, u: ShiftedGatedResnet.Cache, ul: ShiftedGatedResnet.Cache)
            case downsize(stage: Int, u: ShiftedConv2d.Cache, ul: ShiftedConv2d.Cache)
        }
        struct DownStep {
            let u: ShiftedGatedResnet.Cache
            let ul: ShiftedGatedResnet.Cache
        }
        let uInit: ShiftedConv2d.Cache
        let ulInit: [ShiftedConv2d.Cache]
        let input: Tensor                        // x with its channel of ones (C+1, B, H, W)
        let upSteps: [UpStep]                    // produce u_list[1...] and ul_list[1...] in order
        let downSteps: [[DownStep]]
        let upsize: [(u: ShiftedConvTranspose2d.Cache, ul: ShiftedConvTranspose2d.Cache)]
        let finalHidden: Tensor                  // ul before elu (F, B, H, W)
        let ninOut: NetworkInNetwork.Cache
    }

    /// The raw output (OC, B, H, W) for images x (B, C, H, W) scaled to [-1, 1], in raster order.
    ///
    /// - Parameters:
    ///   - training: draw dropout masks (when the configuration has dropout).
    ///   - rng: the dropout's random numbers.
    public func forward(_ x: Tensor, training: Bool = false, rng: inout Xoshiro256) -> (output: Tensor, cache: Cache) {
        let dropoutOn = training && configuration.dropout > 0
        var generators = DropoutGenerators(seed: dropoutOn ? rng.next() : 0, count: dropoutOn ? x.shape[0] : 0)
        return forward(x, training: dropoutOn, dropout: &generators)
    }

    /// The raw output (OC, B, H, W) for images x (B, C, H, W), with dropout (when training) drawn from one
    /// generator per image (B of them; none needed when not training or without dropout).
    public func forward(_ x: Tensor, training: Bool, dropout rng: inout DropoutGenerators)
        -> (output: Tensor, cache: Cache)
    {
        let cfg = configuration, C = cfg.channels, R = cfg.resnets
        precondition(x.shape.count == 4 && x.shape[1] == C, "input shape \(x.shape) does not fit the model (B, \(C), H, W)")
        // Any H x W: every layer is a convolution (the configuration's size is the one it was trained at).
        let B = x.shape[0], H = x.shape[2], W = x.shape[3], HW = H * W, store = parameters
        // x1 (C+1, B, H, W): the image, channel-major, and a channel of ones (the reference's init_padding).
        var x1 = Tensor(shape: [C + 1, B, H, W], repeating: 1)
        for b in 0..<B { for c in 0..<C { for q in 0..<HW {
            x1.scalars[(c * B + b) * HW + q] = x.scalars[(b * C + c) * HW + q]
        } } }
        let (u0, uInitCache) = uInit.forward(x1, store: store, keepInput: false)
        let (ulA, ulCacheA) = ulInit[0].forward(x1, store: store, keepInput: false)
        var (ul0, ulCacheB) = ulInit[1].forward(x1, store: store, keepInput: false)
        addInPlace(&ul0, ulA)
        var uList = [u0], ulList = [ul0]
        var upSteps: [Cache.UpStep] = []
        for i in 0..<3 {
            for j in 0..<R {
                let (u, cu) = upLayers[i][j].u.forward(uList.last!, skip: nil, store: store, training: training,
                                                       rng: &rng)
                let (ul, cul) = upLayers[i][j].ul.forward(ulList.last!, skip: u, store: store, training: training,
                                                          rng: &rng)
                uList.append(u)
                ulList.append(ul)
                upSteps.append(.resnet(stage: i, index: j, u: cu, ul: cul))
            }
            if i < 2 {
                let (u, cu) = downsizeU[i].forward(uList.last!, store: store)
                let (ul, cul) = downsizeUL[i].forward(ulList.last!, store: store)
                uList.append(u)
                ulList.append(ul)
                upSteps.append(.downsize(stage: i, u: cu, ul: cul))
            }
        }
        var u = uList.removeLast(), ul = ulList.removeLast()
        var downSteps: [[Cache.DownStep]] = [[], [], []]
        var upsizeCaches: [(u: ShiftedConvTranspose2d.Cache, ul: ShiftedConvTranspose2d.Cache)] = []
        let sizes = resolutions(height: H, width: W)
        for i in 0..<3 {
            for block in downLayers[i] {
                let (nextU, cu) = block.u.forward(u, skip: uList.removeLast(), store: store, training: training,
                                                  rng: &rng)
                let (nextUL, cul) = block.ul.forward(ul, skip: concatenateChannels(nextU, ulList.removeLast()),
                                                     store: store, training: training, rng: &rng)
                (u, ul) = (nextU, nextUL)
                downSteps[i].append(Cache.DownStep(u: cu, ul: cul))
            }
            if i < 2 {
                let target = sizes[1 - i]
                let (nextU, cu) = upsizeU[i].forward(u, outputHeight: target.height, outputWidth: target.width,
                                                     store: store)
                let (nextUL, cul) = upsizeUL[i].forward(ul, outputHeight: target.height, outputWidth: target.width,
                                                        store: store)
                (u, ul) = (nextU, nextUL)
                upsizeCaches.append((cu, cul))
            }
        }
        precondition(uList.isEmpty && ulList.isEmpty, "the down pass uses every element of u_list and ul_list")
        let (out, ninCache) = ninOut.forward(eluForward(ul), store: store)
        return (out, Cache(uInit: uInitCache, ulInit: [ulCacheA, ulCacheB], input: x1, upSteps: upSteps,
                           downSteps: downSteps, upsize: upsizeCaches, finalHidden: ul, ninOut: ninCache))
    }

    /// Accumulates every parameter's gradient (into ``parameters``) from d(output) (OC, B, H, W).
    public func backward(_ dOutput: Tensor, cache: Cache) {
        let store = parameters, R = configuration.resnets
        var dUL = eluBackward(ninOut.backward(dOutput, cache: cache.ninOut, store: store), input: cache.finalHidden)
        // The last u of the down pass feeds only the last ul block (through its skip): it starts with no gradient.
        var dU = Tensor(shape: dUL.shape)
        // Gradients of u_list and ul_list: index 0 is the initial layers' output, 3R + 2 the last up-pass output.
        let listCount = 3 * R + 3
        var dUList = [Tensor?](repeating: nil, count: listCount), dULList = dUList
        func accumulate(_ list: inout [Tensor?], _ index: Int, _ g: Tensor) {
            if list[index] == nil { list[index] = g } else { addInPlace(&list[index]!, g) }
        }
        // The down pass consumed the skips u_list[3R+1], [3R], ..., [0] in that order.
        var skipIndex = 0
        for i in (0..<3).reversed() {
            if i < 2 {
                dU = upsizeU[i].backward(dU, cache: cache.upsize[i].u, store: store)
                dUL = upsizeUL[i].backward(dUL, cache: cache.upsize[i].ul, store: store)
            }
            for j in (0..<downLayers[i].count).reversed() {
                let step = cache.downSteps[i][j]
                let (dULIn, dULSkip) = downLayers[i][j].ul.backward(dUL, cache: step.ul, store: store)
                let (dFromU, dFromULList) = splitChannels(dULSkip!, first: configuration.filters)
                addInPlace(&dU, dFromU)
                accumulate(&dULList, skipIndex, dFromULList)
                let (dUIn, dUSkip) = downLayers[i][j].u.backward(dU, cache: step.u, store: store)
                accumulate(&dUList, skipIndex, dUSkip!)
                (dU, dUL) = (dUIn, dULIn)
                skipIndex += 1
            }
        }
        accumulate(&dUList, listCount - 1, dU)
        accumulate(&dULList, listCount - 1, dUL)
        for (offset, step) in cache.upSteps.enumerated().reversed() {
            let index = offset + 1
            switch step {
            case .resnet(let i, let j, let cu, let cul):
                // ul's block read u_list[index] as its skip: its gradient completes dUList[index] first.
                let (dULPrevious, dSkip) = upLayers[i][j].ul.backward(dULList[index]!, cache: cul, store: store)
                accumulate(&dUList, index, dSkip!)
                accumulate(&dULList, index - 1, dULPrevious)
                accumulate(&dUList, index - 1,
                           upLayers[i][j].u.backward(dUList[index]!, cache: cu, store: store).dInput)
            case .downsize(let i, let cu, let cul):
                accumulate(&dUList, index - 1, downsizeU[i].backward(dUList[index]!, cache: cu, store: store))
                accumulate(&dULList, index - 1, downsizeUL[i].backward(dULList[index]!, cache: cul, store: store))
            }
        }
        _ = uInit.backward(dUList[0]!, cache: cache.uInit, store: store, input: cache.input)
        for (layer, layerCache) in zip(ulInit, cache.ulInit) {
            _ = layer.backward(dULList[0]!, cache: layerCache, store: store, input: cache.input)
        }
    }
}
