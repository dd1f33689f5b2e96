import Foundation

// The incremental machinery: the network evaluated one location at a time, at the cost of about one forward pass
// over a whole image (Ramachandran et al. 2017, for any order). It owns only what is its own: the tap tables, the
// feature maps kept for the whole image, and the run loop; every layer computes its own step (the layer files'
// "one location at a time" sections), and the wiring comes from the model's ``NetworkPlan``.
// Legend: B images, C image channels, F filters, H rows, W cols, HW = H*W, KK kernel taps, OC output channels,
// q the row-major index of the location being computed, nb the images one thread handles.
//
// Why it is exact. Every feature at location q, in every layer, depends only on pixels generated before q:
// the first layer's type-A mask reads only earlier pixels; every later mask (type B) reads earlier locations and q
// itself, which was computed one layer below; everything else (concat_elu, PONO, order_rescale, the learned mask
// weights via M[:, q], nin, gating, the skip connections, elu, nin_out) acts per location. So the features at q are
// final when q is next, and stay so. For a completion, observed pixels come first in the order and their masks see
// only observed pixels (SPEC section 2), so one layer-by-layer pass over the observed locations ("prefill") gives
// their final features before the first step.
//
// What is kept, per location, for the whole batch (layout (HW, channels, B), so one location's block (channels, B)
// is contiguous and a step's GEMM writes it in place):
//   - x1 = [image, ones] (C+1), the first layer's input;
//   - every value of the plan, in the form its next layer reads at neighbouring locations: concat_elu(u) (2F) when
//     that layer is a gated resnet, u itself (F) otherwise. The plain u, which the residual and the skip connections
//     read at q only, is recovered exactly from concat_elu(u): u = elu(u) where that is > 0, else -elu(-u);
//   - per gated resnet, concat_elu of its hidden state (2F), which its conv_out reads at neighbouring locations.

/// The network's features for a batch of images under one order's masks, computed one location at a time.
/// Not reusable across orders (the tap tables are the masks').
final class IncrementalNetwork {
    /// How a step uses the cores (GEMMs are single-threaded in both): split the batch into chunks of
    /// ``imagesPerChunk(_:)`` images (each chunk runs every layer for its images: one synchronisation per step, but
    /// every thread streams every weight), or split each large GEMM's output rows into ``rowChunks`` parts (each
    /// thread reads its share of the weights, one synchronisation per layer). The chunks are fixed by the batch, the
    /// model and the arithmetic, never by the thread budget, so results do not depend on it.
    enum Threading { case automatic, batchChunks, rowChunks }

    /// Where a value (F channels) is kept, and in which form.
    struct ValueSlot {
        let map: Int
        let concatELU: Bool         // the map holds concat_elu(u) (2F channels) rather than u (F)
    }

    /// One layer-wide unit of work; a step runs them all at q in sequence, a prefill runs each over all observed
    /// locations before the next.
    enum Stage {
        /// u_init, downsize or upsize: output = norm(conv(input)).
        case convolution(LocallyMaskedConv2d.StepWeights, input: Int, mask: MaskKind, normalizationMask: MaskKind,
                         output: ValueSlot)
        /// A gated resnet's first half: hidden = concat_elu(norm(conv_input(concat_elu(og))) [+ nin_skip(skip)]).
        case resnetInput(GatedResnet.StepWeights, input: Int, skip: ValueSlot?, hidden: Int)
        /// Its second half: output = og + norm(a) * σ(b), [a, b] = conv_out(hidden).
        case resnetOutput(GatedResnet.StepWeights, og: ValueSlot, output: ValueSlot)

        /// The stage's locally masked convolution, the map it reads and its mask.
        var convolution: (weights: LocallyMaskedConv2d.StepWeights, input: Int, mask: MaskKind) {
            switch self {
            case .convolution(let w, let input, let mask, _, _): return (w, input, mask)
            case .resnetInput(let w, let input, _, _): return (w.convInput, input, .undilated)
            case .resnetOutput(let w, _, _): return (w.convOut, 0, .undilated)   // input filled in by the stage list
            }
        }
    }

    /// Most images per chunk in the `batchChunks` mode: 8 for the fast arithmetic (BLAS's result for an image may
    /// depend on the GEMM's width, so the chunks stay as they were), 32 for the portable one, whose every column is
    /// computed alone: wider chunks read each step's weights (2 MB for F 32) fewer times and run the per-location
    /// loops over more images at once. Output-row parts in the `rowChunks` mode.
    static func imagesPerChunk(_ arithmetic: StepArithmetic) -> Int { arithmetic == .portable ? 32 : 8 }
    static let rowChunks = 4
    /// Locations per GEMM in ``prefill(_:)``.
    static let prefillTile = 32

    let configuration: ModelConfiguration
    let batch: Int
    let height: Int
    let width: Int
    let filters: Int
    let tables: [TapTable]                   // by MaskKind
    private(set) var stages: [Stage] = []
    /// The map each stage's convolution reads.
    private(set) var stageInputs: [Int] = []
    private(set) var finalValue = ValueSlot(map: 0, concatELU: false)
    let output: NetworkInNetwork.StepWeights // nin_out
    /// The kept feature maps, each (HW, channels, B); map 0 is x1.
    private(set) var maps: [UnsafeMutablePointer<Float>] = []
    private(set) var mapChannels: [Int] = []
    let threading: Threading
    /// How steps compute their matrix products and sigmoids (``StepArithmetic``).
    let arithmetic: StepArithmetic
    let scratch: [FeatureScratch]

    init(model: LocallyMaskedPixelCNN, masks: OrderMasks, batch B: Int, height H: Int, width W: Int,
         threading: Threading = .automatic, arithmetic: StepArithmetic = .fast) {
        let cfg = model.configuration, store = model.parameters, plan = model.plan
        configuration = cfg
        self.arithmetic = arithmetic
        batch = B
        height = H
        width = W
        filters = cfg.filters
        let F = cfg.filters, C = cfg.channels, HW = H * W
        let K = cfg.kernelSize
        tables = [
            TapTable(mask: masks.initial, kernelSize: K, dilation: 1, height: H, width: W),
            TapTable(mask: masks.undilated, kernelSize: K, dilation: 1, height: H, width: W),
            TapTable(mask: masks.dilated, kernelSize: K, dilation: masks.maxDilation, height: H, width: W),
        ]
        output = model.ninOut.stepWeights(store)

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
        let values = plan.layers.indices.map { i in
            let concatELU = plan.valueFeedsGatedResnet(i)
            return ValueSlot(map: newMap(concatELU ? 2 * F : F), concatELU: concatELU)
        }
        var stages: [Stage] = [], inputs: [Int] = []
        for (i, layer) in model.layers.enumerated() {
            let inputMap = i == 0 ? 0 : values[i - 1].map
            switch layer {
            case .convolution(let conv, let mask, let normalizationMask):
                precondition(i == 0 || !values[i - 1].concatELU)
                precondition(conv.dilation == (mask == .dilated ? masks.maxDilation : 1), "dilation and mask differ")
                stages.append(.convolution(conv.stepWeights(store), input: inputMap, mask: mask,
                                           normalizationMask: normalizationMask, output: values[i]))
                inputs.append(inputMap)
            case .gatedResnet(let block, let skip):
                precondition(values[i - 1].concatELU, "a gated resnet reads concat_elu of its input")
                let hidden = newMap(2 * F)
                let w = block.stepWeights(store)
                stages.append(.resnetInput(w, input: inputMap, skip: skip.map { values[$0] }, hidden: hidden))
                inputs.append(inputMap)
                stages.append(.resnetOutput(w, og: values[i - 1], output: values[i]))
                inputs.append(hidden)
            }
        }
        self.stages = stages
        stageInputs = inputs
        self.maps = maps
        mapChannels = channels
        finalValue = values[plan.layers.count - 1]
        precondition(!finalValue.concatELU)

        switch threading {
        case .automatic:
            // Splitting the batch makes every thread stream every weight; that pays while the weights stay in
            // cache (one synchronisation per step), otherwise splitting the rows (each thread part of the weights)
            // wins.
            let weightBytes = store.totalCount * MemoryLayout<Float>.size
            self.threading = B >= 2 && weightBytes <= 12 << 20 ? .batchChunks : .rowChunks
        default:
            self.threading = threading
        }
        let maxColumns = stages.map { $0.convolution.weights.taps * $0.convolution.weights.inputChannels }.max() ?? 0
        let block = max(2 * F, cfg.outputChannels, C + 1) * B
        scratch = (0..<max(1, Parallelism.threadCount)).map { _ in
            FeatureScratch(columns: max(1, maxColumns * B), block: block)
        }
    }

    deinit {
        for map in maps { map.deallocate() }
    }

    /// The kept feature maps' size in bytes.
    var featureBytes: Int { mapChannels.reduce(0, +) * height * width * batch * MemoryLayout<Float>.size }

    /// Image chunks of a step in the `batchChunks` mode, fixed by the batch size alone: at least two (so two cores
    /// share a step), and chunks of at most ``imagesPerChunk(_:)`` images.
    var batchChunks: Int {
        let perChunk = Self.imagesPerChunk(arithmetic)
        return threading == .batchChunks ? max(min(batch, 2), (batch + perChunk - 1) / perChunk) : 1
    }
}
