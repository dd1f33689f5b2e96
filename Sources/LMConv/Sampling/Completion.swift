// Image completion: generating a hidden region of real images, the observed pixels generated "first" (SPEC section 8).

extension LocallyMaskedPixelCNN {
    /// Completes each of `images` `samples` times: the pixels flagged in `hidden` are generated in the sequence of
    /// `order`, every other pixel is known (``orderGeneratingLast(_:basedOn:)`` makes the order that generates the
    /// hidden region last) and conditions them as `context` says.
    ///
    /// - Parameters:
    ///   - images: (N, C, H, W) in [-1, 1]; hidden pixels' values are ignored.
    ///   - hidden: row-major H*W flags, at least one set.
    ///   - order: any order; the hidden pixels are generated last, in this order's sequence.
    ///   - pixelOptions: temperatures and quantisation; when given, replaces `temperature`.
    ///   - onStep: see ``sample(_:rng:naive:onStep:)``; called once per hidden pixel.
    /// - Returns: (N * samples, C, H, W): completion k of image i at index i * samples + k.
    public func complete(_ images: Tensor, hidden: [Bool], samples: Int, order: GenerationOrder,
                         temperature: Float = 1, context: ContextProtocol = .reference,
                         pixelOptions: PixelSamplingOptions? = nil, rng: inout Xoshiro256, naive: Bool = false,
                         onStep: ((_ pixel: Int, _ parameters: [[Float]]) -> Void)? = nil) throws -> Tensor {
        let cfg = configuration
        guard images.shape.count == 4, images.shape[1] == cfg.channels else {
            throw LMConvError.shapeMismatch(reason: "images of shape \(images.shape) do not fit the model's \(cfg.channels) channels")
        }
        let (H, W) = (images.shape[2], images.shape[3])
        guard samples >= 1 else { throw LMConvError.invalidArgument(reason: "the number of completions per image must be >= 1, got \(samples)") }
        guard hidden.count == H * W, hidden.contains(true) else {
            throw LMConvError.invalidArgument(reason: "the hidden region must flag at least one of the \(H * W) pixels")
        }
        let N = images.shape[0], size = cfg.channels * H * W
        var initial = Tensor(shape: [N * samples, cfg.channels, H, W])
        for i in 0..<N {
            for k in 0..<samples {
                for j in 0..<size { initial.scalars[(i * samples + k) * size + j] = images.scalars[i * size + j] }
            }
        }
        let task = SamplingTask(order: try orderGeneratingLast(hidden, basedOn: order), initial: initial,
                                hidden: hidden, temperature: temperature, context: context,
                                pixelOptions: pixelOptions)
        return try sample(task, rng: &rng, naive: naive, onStep: onStep)
    }
}
