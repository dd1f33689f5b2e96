// The autoregressive session: the network run one pixel at a time along an order, for any source of pixel values.
// Sampling draws them, completion draws the hidden ones, a codec encodes or decodes them, an interactive page takes
// them from a person; all drive this one API (SPEC sections 2-5, 8). Each step costs one location of every layer
// (the incremental machinery, ``IncrementalNetwork``), so a whole image costs about one forward pass.
// Legend: B images, C image channels, H rows, W cols, HW = H*W, OC output channels, q a row-major location.

/// A batch of images being generated pixel by pixel in one order.
///
/// Start it with the images, the pixels already observed and an order that visits every observed pixel first. At
/// each step ``nextPixel`` names the location to generate; ``distribution(image:)`` gives, per image, the model's
/// normalised distribution of its next sub-pixel (channel after channel for RGB, each given the channels accepted
/// before it), and ``accept(levels:)`` takes one level per image from any source. ``acceptPixel(_:)`` takes a whole
/// pixel at once. The session can be cancelled between steps; a cancelled session refuses further steps.
///
/// ```swift
/// let session = try AutoregressiveSession(model: model, images: x, observed: nil, order: order)
/// while session.nextPixel != nil {
///     let levels = (0..<session.batch).map { b in pick(session.distribution(image: b)) }
///     try session.accept(levels: levels)
/// }
/// let result = session.images            // (B, C, H, W) in [-1, 1]
/// ```
public final class AutoregressiveSession {
    public let configuration: ModelConfiguration
    /// Images B, rows H, columns W.
    public let batch: Int
    public let height: Int
    public let width: Int
    /// The order of generation.
    public let order: GenerationOrder
    /// The current images (B, C, H, W) in [-1, 1]: observed and accepted pixels; the others are zero.
    public private(set) var images: Tensor
    /// The row-major locations still to generate, in order.
    public let steps: [Int]
    /// How many of ``steps`` are done.
    public private(set) var completedSteps = 0
    /// The channel of the next pixel that ``accept(levels:)`` takes (0 for one-channel models).
    public private(set) var nextChannel = 0
    /// How the network's steps compute (``StepArithmetic``).
    public let arithmetic: StepArithmetic
    /// Whether ``cancel()`` was called.
    public private(set) var isCancelled = false

    private let network: IncrementalNetwork
    private let parameterBuffer: UnsafeMutablePointer<Float>   // (OC, B), the output at the next pixel
    private var parametersReady = false
    private var acceptedLevels: [[Int]]                         // (B, channels accepted so far) at the next pixel

    /// Starts a session.
    ///
    /// - Parameters:
    ///   - images: (B, C, H, W) in [-1, 1]; only the observed pixels' values are read. Any H x W: the model is
    ///     convolutional and the masks are made for this size.
    ///   - observed: row-major H*W flags of the pixels known before generation starts (nil: none).
    ///   - order: an order over H x W that visits every observed pixel before any other.
    ///   - context: how the observed pixels condition the rest: through the order's own masks (the reference's
    ///     protocol; each pixel sees the pixels before it in the order) or marked observed in every mask.
    ///   - arithmetic: `.fast` (BLAS, libm) or `.portable`: output parameters identical to the bit on every
    ///     machine, for each image whatever the batch it is in and the thread count (what a codec needs).
    public init(model: LocallyMaskedPixelCNN, images: Tensor, observed: [Bool]?, order: GenerationOrder,
                context: ContextProtocol = .reference, arithmetic: StepArithmetic = .fast) throws {
        let cfg = model.configuration
        guard images.shape.count == 4, images.shape[1] == cfg.channels, images.shape[0] >= 1 else {
            throw LMConvError.shapeMismatch(reason: "images of shape \(images.shape) do not fit the model's \(cfg.channels) channels")
        }
        let (B, H, W) = (images.shape[0], images.shape[2], images.shape[3]), HW = H * W
        guard order.height == H, order.width == W else {
            throw LMConvError.shapeMismatch(reason: "the order is \(order.height)x\(order.width), the images \(H)x\(W)")
        }
        if let observed {
            guard observed.count == HW else { throw LMConvError.shapeMismatch(reason: "the observed-pixel map has the wrong size") }
            let positions = order.positions
            let lastObserved = (0..<HW).filter { observed[$0] }.map { positions[$0] }.max() ?? -1
            let firstHidden = (0..<HW).filter { !observed[$0] }.map { positions[$0] }.min() ?? Int.max
            guard lastObserved < firstHidden else {
                throw LMConvError.invalidArgument(reason: "the completion order must visit every observed pixel before the hidden ones")
            }
        }
        configuration = cfg
        batch = B
        height = H
        width = W
        self.order = order
        // Either way the observed pixels come first, so their features are final after one prefill pass.
        let masks = try model.masks(for: order, observed: context == .observed ? observed : nil)
        // Pixels not observed start at zero, as the reference's sampler has them.
        var x = images
        let C = cfg.channels
        if let observed {
            for b in 0..<B { for c in 0..<C { for q in 0..<HW where !observed[q] { x.scalars[(b * C + c) * HW + q] = 0 } } }
        } else {
            x = Tensor(shape: images.shape)
        }
        self.images = x
        steps = order.rowMajorIndices.filter { !(observed?[$0] ?? false) }
        network = IncrementalNetwork(model: model, masks: masks, batch: B, height: H, width: W, arithmetic: arithmetic)
        self.arithmetic = arithmetic
        network.setImages(x)
        parameterBuffer = .allocate(capacity: cfg.outputChannels * B)
        parameterBuffer.initialize(repeating: 0, count: cfg.outputChannels * B)
        acceptedLevels = [[Int]](repeating: [], count: B)
        if let observed {
            let known = (0..<HW).filter { observed[$0] }
            if !known.isEmpty && !steps.isEmpty { network.prefill(known) }
        }
    }

    deinit { parameterBuffer.deallocate() }

    /// The row-major location generated next; nil when every pixel is done or the session was cancelled.
    public var nextPixel: Int? {
        isCancelled || completedSteps == steps.count ? nil : steps[completedSteps]
    }

    /// The network's output parameters (OC) at the next pixel for image b, computed once per pixel.
    public func outputParameters(image b: Int) throws -> [Float] {
        try computeStep()
        let OC = configuration.outputChannels
        return (0..<OC).map { parameterBuffer[$0 * batch + b] }
    }

    /// The output parameters at the next pixel for every image (B, OC).
    public func outputParameters() throws -> [[Float]] {
        try computeStep()
        let OC = configuration.outputChannels, B = batch
        var all = [[Float]](repeating: [Float](repeating: 0, count: OC), count: B)
        for b in 0..<B { for o in 0..<OC { all[b][o] = parameterBuffer[o * B + b] } }
        return all
    }

    /// The distribution of image b's next sub-pixel (channel ``nextChannel`` of ``nextPixel``), given the pixels
    /// before it and the channels of this pixel already accepted.
    public func distribution(image b: Int) throws -> PixelDistribution {
        PixelDistribution(parameters: try outputParameters(image: b), configuration: configuration,
                          channel: nextChannel, earlierLevels: acceptedLevels[b])
    }

    /// Takes the level (0..<levels) of the next sub-pixel of every image (B); after the last channel the pixel is
    /// done and the session moves to the next one.
    public func accept(levels: [Int]) throws {
        let cfg = configuration, L = cfg.binarize ? 2 : 1 << cfg.nBits
        guard levels.count == batch else { throw LMConvError.invalidArgument(reason: "expected \(batch) levels, got \(levels.count)") }
        guard let q = nextPixel else { throw isCancelled ? LMConvError.cancelled : LMConvError.invalidArgument(reason: "every pixel is done") }
        for (b, level) in levels.enumerated() where level < 0 || level >= L {
            throw LMConvError.invalidArgument(reason: "level \(level) of image \(b) outside 0..<\(L)")
        }
        try computeStep()   // the pixel's features are needed by every later location, asked for or not
        for (b, level) in levels.enumerated() { acceptedLevels[b].append(level) }
        nextChannel += 1
        if nextChannel == cfg.channels {
            let values = acceptedLevels.map { $0.map { binValue($0, levels: L) } }
            finishPixel(q, values: values)
        }
    }

    /// Takes the whole next pixel of every image (B x C values in [-1, 1], each one of the data's levels) at once.
    public func acceptPixel(_ values: [[Float]]) throws {
        guard let q = nextPixel else { throw isCancelled ? LMConvError.cancelled : LMConvError.invalidArgument(reason: "every pixel is done") }
        guard nextChannel == 0 else { throw LMConvError.shapeMismatch(reason: "channels of pixel \(q) were already accepted one by one") }
        guard values.count == batch, values.allSatisfy({ $0.count == configuration.channels }) else {
            throw LMConvError.shapeMismatch(reason: "expected \(batch) pixels of \(configuration.channels) values")
        }
        try computeStep()
        finishPixel(q, values: values)
    }

    /// Stops the session: later steps are refused. Safe to call between any two calls, from the same thread.
    public func cancel() { isCancelled = true }

    // MARK: - Steps

    private func computeStep() throws {
        guard let q = nextPixel else { throw isCancelled ? LMConvError.cancelled : LMConvError.invalidArgument(reason: "every pixel is done") }
        if !parametersReady {
            network.step(q, parameters: parameterBuffer)
            parametersReady = true
        }
    }

    private func finishPixel(_ q: Int, values: [[Float]]) {
        let C = configuration.channels, HW = height * width
        for b in 0..<batch { for c in 0..<C {
            images.scalars[(b * C + c) * HW + q] = values[b][c]
            network.setPixel(values[b][c], image: b, channel: c, at: q)
        } }
        for b in 0..<batch { acceptedLevels[b].removeAll(keepingCapacity: true) }
        nextChannel = 0
        parametersReady = false
        completedSteps += 1
    }
}
