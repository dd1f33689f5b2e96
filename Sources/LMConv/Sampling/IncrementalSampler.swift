import Dispatch
import Foundation

// Sampling and completion at the cost of about one forward pass, in any order (SPEC sections 2-5, 8).
// Legend: B images, C image channels, F filters, R resnets, H rows, W cols, HW = H*W, K kernel, KK = K*K,
// OC output channels, q the row-major index of the pixel being generated, nb the images one thread handles.
//
// Why it is exact. Every feature at location q, in every layer, depends only on pixels generated before q:
// the first layer's type-A mask reads only earlier pixels; every later mask (type B) reads earlier locations and q
// itself, which was computed one layer below; everything else (concat_elu, PONO, order_rescale, the learned mask
// weights via M[:, q], nin, gating, the skip connections, elu, nin_out) acts per location. So the features at q are
// final when q is next, and stay so: a step computes, layer by layer, only the features at q, reading its
// neighbours from feature maps kept for the whole image. For a completion, observed pixels come first in the order
// and their masks see only observed pixels (SPEC section 2: the generated set starts as the observed set), so one
// layer-by-layer pass over the observed locations ("prefill") gives their final features before the first step.
//
// What is kept, per location, for the whole batch (layout (HW, channels, B), so one location's block (channels, B)
// is contiguous and a step's GEMM writes it in place):
//   - x1 = [image, ones] (C+1), the first layer's input;
//   - every value of the network's u-chain (u_init's output, each resnet's, downsize's, upsize's), stored in the
//     form its next layer reads at neighbouring locations: concat_elu(u) (2F) when that layer is a gated resnet
//     (its conv_input reads concat_elu(og)), u itself (F) when it is a downsize/upsize convolution or nin_out.
//     The plain u, which the residual (og) and the skip connections (nin_skip(concat_elu(a))) read at q only, is
//     recovered exactly from concat_elu(u): u = elu(u) where that is > 0, else -elu(-u);
//   - per gated resnet, concat_elu of its hidden x (2F), which its conv_out reads at neighbouring locations.
// A step gathers, for each locally masked convolution, the K*K taps of q whose mask entry is non-zero (dilation
// aware, none outside the image) into a column block (taps*Cin, nb) and multiplies it with the weight's columns of
// those taps (the weight is kept tap-major, (OC, KK*Cin), so every run of consecutive taps is one GEMM).

extension LocallyMaskedPixelCNN {
    /// Generates the task's pixels like ``sampleNaive(_:rng:onStep:)`` (the same images from the same random
    /// numbers, the same per-step callbacks) at the cost of about one forward pass over the images instead of one
    /// per pixel: each step computes only the generated pixel's features, every layer reading its neighbours'
    /// features kept from earlier steps. A completion first computes the observed pixels' features in one pass.
    ///
    /// Memory: the kept feature maps take 4 * H*W * B * (C + 1 + (6R + 2) * 4F + 5F) bytes (98 MB for F = 32, R = 2,
    /// 28x28, B = 16; 1.07 GB for F = 160, R = 5).
    ///
    /// - Parameters:
    ///   - rng: the sampling noise, drawn exactly as ``sampleNaive(_:rng:onStep:)`` draws it.
    ///   - onStep: called after each step with the row-major pixel index and its output parameters (B, OC).
    /// - Returns: the completed images (B, C, H, W).
    public func sampleIncremental(_ task: SamplingTask, rng: inout Xoshiro256,
                                  onStep: ((_ pixel: Int, _ parameters: [[Float]]) -> Void)? = nil) throws -> Tensor {
        let cfg = configuration
        try task.validate(cfg)
        let masks = try task.masks(cfg)
        let B = task.initial.shape[0]
        guard B > 0 else { return task.initial }
        let sampler = IncrementalSampler(model: self, masks: masks, batch: B)
        return sampler.run(task, rng: &rng, onStep: onStep)
    }
}

/// The state of one incremental sampling run: the network's weights in step-friendly layouts, the mask geometry,
/// the feature maps of the whole batch and per-thread scratch. Not reusable across tasks (masks differ).
final class IncrementalSampler {
    /// How a step uses the cores (GEMMs are single-threaded in both): split the batch between threads (each thread
    /// runs every layer for its images: one synchronisation per step, but every thread streams every weight), or
    /// split each large GEMM's output rows between threads (each thread reads its share of the weights, one
    /// synchronisation per layer). Letting OpenBLAS split the small GEMMs instead measured slower than either.
    enum Threading { case automatic, batchChunks, rowChunks }

    /// Which of the three masks of an order a layer uses.
    enum MaskKind: Int { case initial = 0, undilated = 1, dilated = 2 }

    /// For every location q, the kernel taps its mask lets through: taps start[q]..<start[q+1], in kernel order.
    struct TapTable {
        var start: [Int]            // (HW + 1)
        var tap: [Int]              // kernel position j
        var source: [Int]           // the neighbour's row-major index
        var value: [Float]          // M[j, q]
        var inverseCount: [Float]   // 1 / Σ_j M[j, q], order_rescale's factor (HW)
    }

    /// A locally masked convolution with its weight tap-major: weight[o, j*C + c] = Wt[o, c, j].
    struct ConvPlan {
        let input: Int              // index of the feature map it reads
        let inputChannels: Int
        let outputChannels: Int
        let taps: Int               // KK
        let mask: MaskKind
        let weight: [Float]         // (OC, KK*C)
        let bias: [Float]?          // (OC)
        let maskWeight: [Float]?    // (OC, KK)
    }

    /// A weight-normalised 1x1 map.
    struct LinearPlan {
        let inputChannels: Int
        let outputChannels: Int
        let weight: [Float]         // (OC, C)
        let bias: [Float]           // (OC)
    }

    /// Where a value of the u-chain (F channels) is kept, and in which form.
    struct ValueSlot {
        let map: Int
        let concatELU: Bool         // the map holds concat_elu(u) (2F channels) rather than u (F)
    }

    /// One layer-wide unit of work; a step runs them all at q in sequence, a prefill runs each over all observed
    /// locations before the next.
    enum Stage {
        /// u_init, downsize or upsize: output = norm(conv(input)).
        case conv(ConvPlan, norm: MaskKind, output: ValueSlot)
        /// A gated resnet's first half: hidden = concat_elu(norm(conv_input(concat_elu(og))) [+ nin_skip(concat_elu(a))]).
        case resnetInput(ConvPlan, skip: ValueSlot?, ninSkip: LinearPlan?, hidden: Int)
        /// Its second half: output = og + norm(a) * σ(b), [a, b] = conv_out(hidden).
        case resnetOutput(ConvPlan, og: ValueSlot, output: ValueSlot)

        /// The stage's one locally masked convolution.
        var plan: ConvPlan {
            switch self {
            case .conv(let plan, _, _), .resnetInput(let plan, _, _, _), .resnetOutput(let plan, _, _): return plan
            }
        }

        /// Where ``IncrementalSampler/finish(_:at:b0:nb:scratch:)`` expects the convolution's output (OC, nb).
        func convolutionBlock(_ s: Scratch) -> UnsafeMutablePointer<Float> {
            if case .resnetOutput = self { return s.second }
            return s.first
        }
    }

    let configuration: ModelConfiguration
    let batch: Int
    let height: Int
    let width: Int
    let filters: Int
    let normalization: Normalization
    let tables: [TapTable]                   // by MaskKind
    private(set) var stages: [Stage] = []
    private(set) var finalValue = ValueSlot(map: 0, concatELU: false)
    let output: LinearPlan                   // nin_out
    /// The kept feature maps, each (HW, channels, B); map 0 is x1.
    private(set) var maps: [UnsafeMutablePointer<Float>] = []
    private(set) var mapChannels: [Int] = []
    let threading: Threading
    private let rowThreads: Int
    /// Whether ``convolve(_:at:b0:nb:into:columns:)`` splits its GEMMs' rows between threads (steps in the
    /// `rowChunks` mode; never inside the prefill, which already runs locations in parallel).
    private var splitRows = false
    private let scratch: [Scratch]

    /// Per-thread buffers, sized for the whole batch.
    final class Scratch {
        let columns: UnsafeMutablePointer<Float>     // (KK*Cin, B), the largest conv's column block
        let first: UnsafeMutablePointer<Float>       // (2F, B)
        let second: UnsafeMutablePointer<Float>      // (2F, B)
        let third: UnsafeMutablePointer<Float>       // (2F, B)
        let statistics: UnsafeMutablePointer<Float>  // (2, B), PONO's per-image mean and variance

        init(columns: Int, block: Int) {
            self.columns = .allocate(capacity: columns)
            self.columns.initialize(repeating: 0, count: columns)
            first = .allocate(capacity: block)
            first.initialize(repeating: 0, count: block)
            second = .allocate(capacity: block)
            second.initialize(repeating: 0, count: block)
            third = .allocate(capacity: block)
            third.initialize(repeating: 0, count: block)
            statistics = .allocate(capacity: 2 * block)
            statistics.initialize(repeating: 0, count: 2 * block)
        }

        deinit {
            columns.deallocate()
            first.deallocate()
            second.deallocate()
            third.deallocate()
            statistics.deallocate()
        }
    }

    init(model: LocallyMaskedPixelCNN, masks: OrderMasks, batch B: Int, threading: Threading = .automatic) {
        let cfg = model.configuration, store = model.parameters
        configuration = cfg
        batch = B
        height = cfg.height
        width = cfg.width
        filters = cfg.filters
        normalization = cfg.normalization
        let F = cfg.filters, C = cfg.channels, HW = cfg.height * cfg.width
        tables = [
            Self.tapTable(masks.initial, kernelSize: cfg.kernelSize, dilation: 1, height: cfg.height, width: cfg.width),
            Self.tapTable(masks.undilated, kernelSize: cfg.kernelSize, dilation: 1, height: cfg.height, width: cfg.width),
            Self.tapTable(masks.dilated, kernelSize: cfg.kernelSize, dilation: masks.maxDilation,
                          height: cfg.height, width: cfg.width),
        ]
        output = Self.linearPlan(model.ninOut, store: store)

        // The u-chain as a sequence of layers, each reading the previous one's value at neighbouring locations.
        enum Layer { case conv(LocallyMaskedConv2d, norm: MaskKind, mask: MaskKind), resnet(GatedResnet, skip: Int?) }
        var layers: [Layer] = [.conv(model.uInit, norm: .undilated, mask: .initial)]
        for i in 0..<3 {
            for block in model.upLayers[i] { layers.append(.resnet(block, skip: nil)) }
            if i < 2 { layers.append(.conv(model.downsize[i], norm: .dilated, mask: .dilated)) }
        }
        // u_list holds the values of layers 0..<upCount; the last is the down pass's start, the others its skips.
        var uList = Array(0..<layers.count)
        uList.removeLast()
        for i in 0..<3 {
            for block in model.downLayers[i] { layers.append(.resnet(block, skip: uList.removeLast())) }
            if i < 2 { layers.append(.conv(model.upsize[i], norm: .dilated, mask: .dilated)) }
        }
        precondition(uList.isEmpty, "the down pass uses every element of u_list")

        var maps: [UnsafeMutablePointer<Float>] = []
        var channels: [Int] = []
        func newMap(_ count: Int) -> Int {
            let map = UnsafeMutablePointer<Float>.allocate(capacity: HW * count * B)
            map.initialize(repeating: 0, count: HW * count * B)
            maps.append(map)
            channels.append(count)
            return maps.count - 1
        }
        _ = newMap(C + 1)                                   // x1
        // Value i (the output of layer i) is kept as its next layer reads it.
        var values: [ValueSlot] = []
        for i in 0..<layers.count {
            let nextIsResnet: Bool
            if i + 1 < layers.count, case .resnet = layers[i + 1] { nextIsResnet = true } else { nextIsResnet = false }
            values.append(ValueSlot(map: newMap(nextIsResnet ? 2 * F : F), concatELU: nextIsResnet))
        }
        var stages: [Stage] = []
        var maxColumns = 0
        for (i, layer) in layers.enumerated() {
            let inputMap = i == 0 ? 0 : values[i - 1].map
            switch layer {
            case .conv(let conv, let norm, let mask):
                precondition(i == 0 || !values[i - 1].concatELU)
                precondition(conv.dilation == (mask == .dilated ? masks.maxDilation : 1), "dilation and mask differ")
                let plan = Self.convPlan(conv, input: inputMap, mask: mask, store: store)
                maxColumns = max(maxColumns, plan.taps * plan.inputChannels)
                stages.append(.conv(plan, norm: norm, output: values[i]))
            case .resnet(let block, let skip):
                precondition(values[i - 1].concatELU, "a gated resnet reads concat_elu of its input")
                let hidden = newMap(2 * F)
                let first = Self.convPlan(block.convInput, input: inputMap, mask: .undilated, store: store)
                let second = Self.convPlan(block.convOut, input: hidden, mask: .undilated, store: store)
                maxColumns = max(maxColumns, first.taps * first.inputChannels, second.taps * second.inputChannels)
                let ninSkip = skip == nil ? nil : block.ninSkip.map { Self.linearPlan($0, store: store) }
                stages.append(.resnetInput(first, skip: skip.map { values[$0] }, ninSkip: ninSkip, hidden: hidden))
                stages.append(.resnetOutput(second, og: values[i - 1], output: values[i]))
            }
        }
        self.stages = stages
        self.maps = maps
        mapChannels = channels
        finalValue = values[layers.count - 1]
        precondition(!finalValue.concatELU)

        let threads = max(1, Parallelism.threadCount)
        switch threading {
        case .automatic:
            // Splitting the batch makes every thread stream every weight; that pays while the weights stay in
            // cache (one synchronisation per step), otherwise splitting the rows (each thread half the weights) wins.
            let weightBytes = store.totalCount * MemoryLayout<Float>.size
            self.threading = B >= 2 && weightBytes <= 12 << 20 ? .batchChunks : .rowChunks
        default:
            self.threading = threading
        }
        rowThreads = threads
        let block = max(2 * F, cfg.outputChannels, C + 1) * B
        scratch = (0..<threads).map { _ in Scratch(columns: max(1, maxColumns * B), block: block) }
    }

    deinit {
        for map in maps { map.deallocate() }
    }

    /// The kept feature maps' size in bytes.
    var featureBytes: Int { mapChannels.reduce(0, +) * height * width * batch * MemoryLayout<Float>.size }

    // MARK: - Setup

    static func tapTable(_ mask: Tensor, kernelSize K: Int, dilation d: Int, height H: Int, width W: Int) -> TapTable {
        let KK = K * K, HW = H * W
        precondition(mask.shape == [KK, HW])
        var table = TapTable(start: [0], tap: [], source: [], value: [], inverseCount: [])
        for q in 0..<HW {
            let r = q / W, c = q % W
            var sum: Float = 0
            for j in 0..<KK {
                let m = mask.scalars[j * HW + q]
                sum += m
                let sr = r + (j / K - K / 2) * d, sc = c + (j % K - K / 2) * d
                guard m != 0, sr >= 0, sr < H, sc >= 0, sc < W else { continue }
                table.tap.append(j)
                table.source.append(sr * W + sc)
                table.value.append(m)
            }
            table.start.append(table.tap.count)
            table.inverseCount.append(1 / sum)
        }
        return table
    }

    static func convPlan(_ conv: LocallyMaskedConv2d, input: Int, mask: MaskKind, store: ParameterStore) -> ConvPlan {
        let C = conv.inputChannels, OC = conv.outputChannels, KK = conv.kernelSize * conv.kernelSize
        let (w, _) = conv.weight.materialize(store)            // (OC, C*KK)
        var tapMajor = [Float](repeating: 0, count: OC * KK * C)
        for o in 0..<OC { for c in 0..<C { for j in 0..<KK {
            tapMajor[o * KK * C + j * C + c] = w[o * C * KK + c * KK + j]
        } } }
        func copy(_ slot: ParameterSlot?) -> [Float]? {
            slot.map { Array(UnsafeBufferPointer(start: store.value($0), count: $0.count)) }
        }
        return ConvPlan(input: input, inputChannels: C, outputChannels: OC, taps: KK, mask: mask, weight: tapMajor,
                        bias: copy(conv.bias), maskWeight: copy(conv.maskWeight))
    }

    static func linearPlan(_ nin: NetworkInNetwork, store: ParameterStore) -> LinearPlan {
        let (w, _) = nin.weight.materialize(store)
        return LinearPlan(inputChannels: nin.inputChannels, outputChannels: nin.outputChannels, weight: w,
                          bias: Array(UnsafeBufferPointer(start: store.value(nin.bias), count: nin.bias.count)))
    }

    // MARK: - Running

    func run(_ task: SamplingTask, rng: inout Xoshiro256, onStep: ((Int, [[Float]]) -> Void)?) -> Tensor {
        let cfg = configuration, B = batch, C = cfg.channels, HW = height * width, OC = cfg.outputChannels
        var x = task.initial
        if let hidden = task.hidden {   // the hidden pixels start at zero, as in the naive sampler
            for b in 0..<B { for c in 0..<C { for q in 0..<HW where hidden[q] { x.scalars[(b * C + c) * HW + q] = 0 } } }
        }
        // x1 = [image, ones] at every location.
        let x1 = maps[0]
        for q in 0..<HW { for b in 0..<B {
            for c in 0..<C { x1[(q * (C + 1) + c) * B + b] = x.scalars[(b * C + c) * HW + q] }
            x1[(q * (C + 1) + C) * B + b] = 1
        } }

        let steps = task.stepsInOrder
        guard !steps.isEmpty else { return x }
        // This sampler's own threads split the work; gemm() keeps BLAS itself single-threaded for every caller.
        if let hidden = task.hidden {
            let observed = (0..<HW).filter { !hidden[$0] }
            if !observed.isEmpty { prefill(observed) }
        }
        let chunks = threading == .batchChunks ? min(scratch.count, B) : 1
        splitRows = threading == .rowChunks && rowThreads > 1

        let parametersBuffer = UnsafeMutablePointer<Float>.allocate(capacity: OC * B)   // (OC, B)
        defer { parametersBuffer.deallocate() }
        var pixelParameters = [Float](repeating: 0, count: OC)
        var stepParameters = [[Float]](repeating: [], count: B)
        for q in steps {
            if chunks == 1 {
                step(q, b0: 0, nb: B, scratch: scratch[0], parameters: parametersBuffer)
            } else {
                parallelPerform(iterations: chunks) { chunk in
                    let b0 = B * chunk / chunks, b1 = B * (chunk + 1) / chunks
                    step(q, b0: b0, nb: b1 - b0, scratch: scratch[chunk], parameters: parametersBuffer)
                }
            }
            // Sample in the naive sampler's sequence: images in turn, each drawing a fixed count of uniforms.
            for b in 0..<B {
                for o in 0..<OC { pixelParameters[o] = parametersBuffer[o * B + b] }
                let value = samplePixel(pixelParameters, configuration: cfg, temperature: task.temperature, rng: &rng)
                for c in 0..<C {
                    x.scalars[(b * C + c) * HW + q] = value[c]
                    x1[(q * (C + 1) + c) * B + b] = value[c]
                }
                if onStep != nil { stepParameters[b] = pixelParameters }
            }
            onStep?(q, stepParameters)
        }
        return x
    }

    /// Computes every layer's features at the observed locations, layer by layer (each layer over all of them
    /// before the next, since an observed location may read observed neighbours later in the order).
    ///
    /// Locations go in tiles of ``prefillTile``: one GEMM per tile and layer over all its locations and images (the
    /// weights read once per tile, as a forward pass reads them once per batch), then the per-location rest.
    func prefill(_ locations: [Int]) {
        let tiles = stride(from: 0, to: locations.count, by: Self.prefillTile).map {
            Array(locations[$0..<min($0 + Self.prefillTile, locations.count)])
        }
        let threads = min(scratch.count, tiles.count)
        let N = Self.prefillTile * batch
        let maxOutputs = 2 * filters
        let maxColumns = stages.map { $0.plan.taps * $0.plan.inputChannels }.max() ?? 0
        let buffers = (0..<threads).map { _ in
            (columns: UnsafeMutablePointer<Float>.allocate(capacity: maxColumns * N),
             output: UnsafeMutablePointer<Float>.allocate(capacity: maxOutputs * N))
        }
        defer { for b in buffers { b.columns.deallocate(); b.output.deallocate() } }
        for stage in stages {
            parallelPerform(iterations: threads) { chunk in
                let s = scratch[chunk], (columns, output) = buffers[chunk]
                for t in stride(from: chunk, to: tiles.count, by: threads) {
                    let tile = tiles[t], plan = stage.plan, n = tile.count * batch
                    convolve(plan, tile: tile, into: output, columns: columns)
                    let block = stage.convolutionBlock(s)
                    for (l, q) in tile.enumerated() {
                        for o in 0..<plan.outputChannels {
                            (block + o * batch).update(from: output + o * n + l * batch, count: batch)
                        }
                        finish(stage, at: q, b0: 0, nb: batch, scratch: s)
                    }
                }
            }
        }
    }

    /// Locations per GEMM in ``prefill(_:)``.
    static let prefillTile = 32

    /// Every layer at q for images b0..<b0+nb, then the output parameters into `parameters` (OC, B).
    func step(_ q: Int, b0: Int, nb: Int, scratch s: Scratch, parameters: UnsafeMutablePointer<Float>) {
        for stage in stages { run(stage, at: q, b0: b0, nb: nb, scratch: s) }
        // out = nin_out(elu(u)) at q.
        let F = filters, B = batch, u = s.first
        readValue(finalValue, at: q, b0: b0, nb: nb, into: u)
        for i in 0..<(F * nb) { u[i] = fastELU(u[i]) }
        let plan = output
        for o in 0..<plan.outputChannels { (parameters + o * B + b0).update(repeating: plan.bias[o], count: nb) }
        plan.weight.withUnsafeBufferPointer { w in
            gemm(transposeA: .none, transposeB: .none, m: plan.outputChannels, n: nb, k: F, alpha: 1,
                 a: w.baseAddress!, lda: F, b: u, ldb: nb, beta: 1, c: parameters + b0, ldc: B)
        }
    }

    func run(_ stage: Stage, at q: Int, b0: Int, nb: Int, scratch s: Scratch) {
        convolve(stage.plan, at: q, b0: b0, nb: nb, into: stage.convolutionBlock(s), columns: s.columns)
        finish(stage, at: q, b0: b0, nb: nb, scratch: s)
    }

    /// The rest of a stage at q once its convolution's output is in ``Stage/convolutionBlock(_:)``.
    func finish(_ stage: Stage, at q: Int, b0: Int, nb: Int, scratch s: Scratch) {
        let F = filters
        switch stage {
        case .conv(let plan, let norm, let output):
            normalize(s.first, channels: plan.outputChannels, nb: nb, at: q, mask: norm, statistics: s.statistics)
            writeValue(output, at: q, b0: b0, nb: nb, from: s.first)

        case .resnetInput(_, let skip, let ninSkip, let hidden):
            let x = s.first
            normalize(x, channels: F, nb: nb, at: q, mask: .undilated, statistics: s.statistics)
            if let skip, let ninSkip {
                // x += nin_skip(concat_elu(a)) at q.
                let ce = s.second, term = s.third
                readConcatELU(skip, at: q, b0: b0, nb: nb, into: ce)
                for o in 0..<F { (term + o * nb).update(repeating: ninSkip.bias[o], count: nb) }
                ninSkip.weight.withUnsafeBufferPointer { w in
                    gemm(transposeA: .none, transposeB: .none, m: F, n: nb, k: 2 * F, alpha: 1, a: w.baseAddress!,
                         lda: 2 * F, b: ce, ldb: nb, beta: 1, c: term, ldc: nb)
                }
                for i in 0..<(F * nb) { x[i] += term[i] }
            }
            writeConcatELU(x, toMap: hidden, at: q, b0: b0, nb: nb)

        case .resnetOutput(_, let og, let output):
            let h = s.second, out = s.first      // h = [a; b] (2F, nb)
            normalize(h, channels: F, nb: nb, at: q, mask: .undilated, statistics: s.statistics)
            readValue(og, at: q, b0: b0, nb: nb, into: out)
            let gate = h + F * nb
            for i in 0..<(F * nb) { out[i] += h[i] * sigmoid(gate[i]) }
            writeValue(output, at: q, b0: b0, nb: nb, from: out)
        }
    }

    /// y (OC, nb) = the convolution's output at q: bias + mask-weight term + Σ over the taps M lets through.
    @inline(__always)
    func convolve(_ plan: ConvPlan, at q: Int, b0: Int, nb: Int, into y: UnsafeMutablePointer<Float>,
                  columns: UnsafeMutablePointer<Float>) {
        let table = tables[plan.mask.rawValue]
        let C = plan.inputChannels, OC = plan.outputChannels, KK = plan.taps, B = batch
        let t0 = table.start[q], n = table.start[q + 1] - t0
        for o in 0..<OC {
            var term: Float = 0
            if let mw = plan.maskWeight {
                for t in t0..<(t0 + n) { term += mw[o * KK + table.tap[t]] * table.value[t] }
            }
            if let bias = plan.bias { term += bias[o] }
            (y + o * nb).update(repeating: term, count: nb)
        }
        guard n > 0 else { return }
        // Gather the taps' input blocks: columns[(a*C + c)*nb + i] = X[source_a, c, b0 + i] * M[j_a, q].
        let x = maps[plan.input]
        for a in 0..<n {
            let t = t0 + a, m = table.value[t]
            let src = x + table.source[t] * C * B + b0, dst = columns + a * C * nb
            if m == 1 {
                if nb == B {
                    dst.update(from: src, count: C * B)
                } else {
                    for c in 0..<C { (dst + c * nb).update(from: src + c * B, count: nb) }
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
        plan.weight.withUnsafeBufferPointer { w in
            let w = w.baseAddress!
            func multiply(rows: Range<Int>) {
                var a = 0
                while a < n {
                    let j0 = table.tap[t0 + a]
                    var length = 1
                    while a + length < n && table.tap[t0 + a + length] == j0 + length { length += 1 }
                    gemm(transposeA: .none, transposeB: .none, m: rows.count, n: nb, k: length * C, alpha: 1,
                         a: w + rows.lowerBound * KK * C + j0 * C, lda: KK * C, b: columns + a * C * nb, ldb: nb,
                         beta: 1, c: y + rows.lowerBound * nb, ldc: nb)
                    a += length
                }
            }
            let chunks = splitRows && OC * n * C * nb >= 1 << 18 ? min(rowThreads, OC) : 1
            if chunks == 1 {
                multiply(rows: 0..<OC)
            } else {
                parallelPerform(iterations: chunks) { t in
                    multiply(rows: (OC * t / chunks)..<(OC * (t + 1) / chunks))
                }
            }
        }
    }

    /// Y (OC, L*B) = the convolution's output at the L locations of `tile`, every image: image b of location l in
    /// column l*B + b. One GEMM over all K*K taps, those the mask does not let through gathered as zeros.
    func convolve(_ plan: ConvPlan, tile: [Int], into y: UnsafeMutablePointer<Float>,
                  columns: UnsafeMutablePointer<Float>) {
        let table = tables[plan.mask.rawValue]
        let C = plan.inputChannels, OC = plan.outputChannels, KK = plan.taps, B = batch, N = tile.count * B
        let x = maps[plan.input]
        columns.update(repeating: 0, count: KK * C * N)
        for (l, q) in tile.enumerated() {
            let t0 = table.start[q], t1 = table.start[q + 1]
            for o in 0..<OC {
                var term: Float = 0
                if let mw = plan.maskWeight {
                    for t in t0..<t1 { term += mw[o * KK + table.tap[t]] * table.value[t] }
                }
                if let bias = plan.bias { term += bias[o] }
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
        plan.weight.withUnsafeBufferPointer { w in
            gemm(transposeA: .none, transposeB: .none, m: OC, n: N, k: KK * C, alpha: 1, a: w.baseAddress!,
                 lda: KK * C, b: columns, ldb: N, beta: 1, c: y, ldc: N)
        }
    }

    /// The model's normalisation of the first `channels` rows of y (·, nb) at location q.
    @inline(__always)
    func normalize(_ y: UnsafeMutablePointer<Float>, channels C: Int, nb: Int, at q: Int, mask: MaskKind,
                   statistics: UnsafeMutablePointer<Float>) {
        switch normalization {
        case .none, .weightNorm:
            return
        case .orderRescale:
            let factor = tables[mask.rawValue].inverseCount[q]
            for i in 0..<(C * nb) { y[i] *= factor }
        case .pono:
            // As ponoForward: per image, sums over the channels in channel order.
            let mean = statistics, scale = statistics + nb
            mean.update(repeating: 0, count: nb)
            scale.update(repeating: 0, count: nb)
            for c in 0..<C { let row = y + c * nb; for i in 0..<nb { mean[i] += row[i] } }
            for i in 0..<nb { mean[i] /= Float(C) }
            for c in 0..<C { let row = y + c * nb; for i in 0..<nb { let d = row[i] - mean[i]; scale[i] += d * d } }
            for i in 0..<nb { scale[i] = 1 / (scale[i] / Float(C - 1) + 1e-5).squareRoot() }
            for c in 0..<C { let row = y + c * nb; for i in 0..<nb { row[i] = (row[i] - mean[i]) * scale[i] } }
        }
    }

    /// u (F, nb) at q from its slot; from concat_elu(u) exactly: u = elu(u) where that is > 0, else -elu(-u).
    @inline(__always)
    func readValue(_ slot: ValueSlot, at q: Int, b0: Int, nb: Int, into u: UnsafeMutablePointer<Float>) {
        let F = filters, B = batch
        if slot.concatELU {
            let base = maps[slot.map] + q * 2 * F * B + b0
            for c in 0..<F {
                let positive = base + c * B, negative = base + (F + c) * B
                let to = u + c * nb
                for i in 0..<nb {
                    let p = positive[i], n = negative[i]   // both loaded: a select, not a branch
                    to[i] = p > 0 ? p : -n
                }
            }
        } else {
            let base = maps[slot.map] + q * F * B + b0
            for c in 0..<F { (u + c * nb).update(from: base + c * B, count: nb) }
        }
    }

    /// concat_elu(u) (2F, nb) at q from its slot.
    @inline(__always)
    func readConcatELU(_ slot: ValueSlot, at q: Int, b0: Int, nb: Int, into y: UnsafeMutablePointer<Float>) {
        let F = filters, B = batch
        if slot.concatELU {
            let base = maps[slot.map] + q * 2 * F * B + b0
            for c in 0..<(2 * F) { (y + c * nb).update(from: base + c * B, count: nb) }
        } else {
            let base = maps[slot.map] + q * F * B + b0
            for c in 0..<F {
                let from = base + c * B, positive = y + c * nb, negative = y + (F + c) * nb
                for i in 0..<nb {
                    (positive[i], negative[i]) = concatELUPair(from[i])
                }
            }
        }
    }

    /// Stores u (F, nb) at q in the form its slot keeps.
    @inline(__always)
    func writeValue(_ slot: ValueSlot, at q: Int, b0: Int, nb: Int, from u: UnsafeMutablePointer<Float>) {
        if slot.concatELU {
            writeConcatELU(u, toMap: slot.map, at: q, b0: b0, nb: nb)
        } else {
            let F = filters, B = batch
            let base = maps[slot.map] + q * F * B + b0
            for c in 0..<F { (base + c * B).update(from: u + c * nb, count: nb) }
        }
    }

    /// Stores concat_elu(u) (2F channels) of u (F, nb) at q in a map.
    @inline(__always)
    func writeConcatELU(_ u: UnsafeMutablePointer<Float>, toMap map: Int, at q: Int, b0: Int, nb: Int) {
        let F = filters, B = batch
        let base = maps[map] + q * 2 * F * B + b0
        for c in 0..<F {
            let from = u + c * nb, positive = base + c * B, negative = base + (F + c) * B
            for i in 0..<nb {
                (positive[i], negative[i]) = concatELUPair(from[i])
            }
        }
    }
}

