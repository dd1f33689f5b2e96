// What a sampler generates (SPEC section 8).
// Legend: B images, C channels, H rows, W cols, HW = H*W.

/// What to generate: every pixel (sampling) or a hidden region of given images (completion).
public struct SamplingTask {
    /// The order in which pixels are generated. For a completion it must visit every observed pixel before any
    /// hidden one (see ``orderGeneratingLast(_:basedOn:)``).
    public var order: GenerationOrder
    /// The starting images (B, C, H, W) in [-1, 1]: observed pixels for a completion; zeros to sample from scratch.
    /// Any H x W (the order's).
    public var initial: Tensor
    /// Pixels to generate (row-major H*W); nil for all.
    public var hidden: [Bool]?
    /// How each pixel is drawn: temperatures and quantisation.
    public var pixelOptions: PixelSamplingOptions
    /// Multiplies the logistic noise (1 = the model's distribution): ``pixelOptions``' logistic temperature.
    public var temperature: Float {
        get { pixelOptions.logisticTemperature }
        set { pixelOptions.logisticTemperature = newValue }
    }
    /// How the pixels not hidden condition the hidden ones (completion only).
    public var context: ContextProtocol

    /// A task; `pixelOptions`, when given, replaces `temperature`.
    public init(order: GenerationOrder, initial: Tensor, hidden: [Bool]? = nil, temperature: Float = 1,
                context: ContextProtocol = .reference, pixelOptions: PixelSamplingOptions? = nil) {
        self.order = order
        self.initial = initial
        self.hidden = hidden
        self.pixelOptions = pixelOptions ?? PixelSamplingOptions(logisticTemperature: temperature)
        self.context = context
    }

    /// Sampling `count` images from scratch at the order's size.
    public init(order: GenerationOrder, count: Int, configuration cfg: ModelConfiguration, temperature: Float = 1,
                pixelOptions: PixelSamplingOptions? = nil) {
        self.init(order: order, initial: Tensor(shape: [count, cfg.channels, order.height, order.width]),
                  temperature: temperature, pixelOptions: pixelOptions)
    }

    /// The row-major indices of the pixels to generate, in generation order.
    public var stepsInOrder: [Int] {
        order.rowMajorIndices.filter { hidden?[$0] ?? true }
    }

    /// The pixels known before generation starts (the complement of ``hidden``), or nil.
    public var observed: [Bool]? { hidden.map { $0.map { !$0 } } }

    /// The pixels the masks mark observed: the known ones under ``ContextProtocol/observed``, none otherwise.
    public var maskedObserved: [Bool]? { context == .observed ? observed : nil }

    func validate(_ cfg: ModelConfiguration) throws {
        try pixelOptions.validate()
        guard initial.shape.count == 4, initial.shape[1] == cfg.channels else {
            throw LMConvError.shapeMismatch(reason: "images of shape \(initial.shape) do not fit the model's \(cfg.channels) channels")
        }
        guard order.height == initial.shape[2], order.width == initial.shape[3] else {
            throw LMConvError.shapeMismatch(reason: "the order is \(order.height)x\(order.width), the images \(initial.shape[2])x\(initial.shape[3])")
        }
        if let hidden {
            guard hidden.count == order.height * order.width else { throw LMConvError.shapeMismatch(reason: "the hidden mask has the wrong size") }
            let positions = order.positions
            let lastObserved = (0..<hidden.count).filter { !hidden[$0] }.map { positions[$0] }.max() ?? -1
            let firstHidden = (0..<hidden.count).filter { hidden[$0] }.map { positions[$0] }.min() ?? Int.max
            guard lastObserved < firstHidden else {
                throw LMConvError.invalidArgument(reason: "the completion order must visit every observed pixel before the hidden ones")
            }
        }
    }
}
