// The reference's sampler: one full forward pass of the network per generated pixel (SPEC section 8).
// Legend: B images, C channels, H rows, W cols, HW = H*W, OC output channels.

/// What to generate: every pixel (sampling) or a hidden region of given images (completion).
public struct SamplingTask {
    /// The order in which pixels are generated. For a completion it must visit every observed pixel before any
    /// hidden one (see ``orderGeneratingLast(_:basedOn:)``).
    public var order: GenerationOrder
    /// The starting images (B, C, H, W) in [-1, 1]: observed pixels for a completion; zeros to sample from scratch.
    public var initial: Tensor
    /// Pixels to generate (row-major H*W); nil for all.
    public var hidden: [Bool]?
    /// Multiplies the logistic noise (1 = the model's distribution).
    public var temperature: Float

    public init(order: GenerationOrder, initial: Tensor, hidden: [Bool]? = nil, temperature: Float = 1) {
        self.order = order
        self.initial = initial
        self.hidden = hidden
        self.temperature = temperature
    }

    /// Sampling `count` images from scratch.
    public init(order: GenerationOrder, count: Int, configuration cfg: ModelConfiguration, temperature: Float = 1) {
        self.init(order: order, initial: Tensor(shape: [count, cfg.channels, cfg.height, cfg.width]),
                  temperature: temperature)
    }

    /// The row-major indices of the pixels to generate, in generation order.
    public var stepsInOrder: [Int] {
        order.rowMajorIndices.filter { hidden?[$0] ?? true }
    }

    /// The masks for this task: pixels not hidden count as observed.
    func masks(_ cfg: ModelConfiguration) throws -> OrderMasks {
        try OrderMasks(order: order, kernelSize: cfg.kernelSize, maxDilation: cfg.maxDilation,
                       observed: hidden.map { $0.map { !$0 } })
    }

    func validate(_ cfg: ModelConfiguration) throws {
        guard initial.shape.count == 4, initial.shape[1] == cfg.channels, initial.shape[2] == cfg.height,
              initial.shape[3] == cfg.width else {
            throw LMConvError.shapeMismatch(reason: "images of shape \(initial.shape) do not fit the model's \(cfg.channels)x\(cfg.height)x\(cfg.width)")
        }
        guard order.height == cfg.height, order.width == cfg.width else {
            throw LMConvError.shapeMismatch(reason: "the order is \(order.height)x\(order.width), the model \(cfg.height)x\(cfg.width)")
        }
        if let hidden {
            guard hidden.count == cfg.height * cfg.width else {
                throw LMConvError.shapeMismatch(reason: "the hidden mask has the wrong size")
            }
            let positions = order.positions
            let lastObserved = (0..<hidden.count).filter { !hidden[$0] }.map { positions[$0] }.max() ?? -1
            let firstHidden = (0..<hidden.count).filter { hidden[$0] }.map { positions[$0] }.min() ?? Int.max
            guard lastObserved < firstHidden else {
                throw LMConvError.invalidArgument(reason: "the completion order must visit every observed pixel before the hidden ones")
            }
        }
    }
}

extension LocallyMaskedPixelCNN {
    /// Generates the task's pixels by running the whole network once per pixel, as the reference does.
    ///
    /// - Parameters:
    ///   - rng: the sampling noise (``samplePixel(_:configuration:temperature:rng:)`` draws the same count of numbers
    ///     per pixel and image, images in sequence within a step).
    ///   - onStep: called after each step with the row-major pixel index and its output parameters (B, OC).
    /// - Returns: the completed images (B, C, H, W), every generated value one of the data's bins.
    public func sampleNaive(_ task: SamplingTask, rng: inout Xoshiro256,
                            onStep: ((_ pixel: Int, _ parameters: [[Float]]) -> Void)? = nil) throws -> Tensor {
        let cfg = configuration
        try task.validate(cfg)
        let masks = try task.masks(cfg)
        var x = task.initial
        let B = x.shape[0], C = cfg.channels, HW = cfg.height * cfg.width, OC = cfg.outputChannels, N = B * HW
        if let hidden = task.hidden {   // the hidden pixels start at zero, as in the reference
            for b in 0..<B { for c in 0..<C { for q in 0..<HW where hidden[q] { x.scalars[(b * C + c) * HW + q] = 0 } } }
        }
        var dropoutRNG = Xoshiro256(seed: 0)
        for q in task.stepsInOrder {
            let (output, _) = forward(x, masks: masks, rng: &dropoutRNG)   // (OC, B, H, W)
            var stepParameters: [[Float]] = []
            for b in 0..<B {
                let params = (0..<OC).map { output.scalars[$0 * N + b * HW + q] }
                let value = samplePixel(params, configuration: cfg, temperature: task.temperature, rng: &rng)
                for c in 0..<C { x.scalars[(b * C + c) * HW + q] = value[c] }
                stepParameters.append(params)
            }
            onStep?(q, stepParameters)
        }
        return x
    }
}
