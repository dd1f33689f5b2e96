// Sampling and completion (SPEC section 8): a thin use of the autoregressive session that draws every pixel.

extension LocallyMaskedPixelCNN {
    /// Generates the task's pixels: through the autoregressive session (about one forward pass in all) or, with
    /// `naive`, as the reference does (``sampleNaive(_:rng:onStep:)``, one forward pass per pixel). Both draw the same
    /// images from the same random numbers.
    ///
    /// - Parameters:
    ///   - rng: the sampling noise.
    ///   - naive: run the whole network once per generated pixel.
    ///   - onStep: called after each step with the row-major pixel index and its output parameters (B, OC).
    ///   - isCancelled: asked before every pixel; when it answers true the sampling stops with an error.
    /// - Returns: the completed images (B, C, H, W).
    public func sample(_ task: SamplingTask, rng: inout Xoshiro256, naive: Bool = false,
                       onStep: ((Int, [[Float]]) -> Void)? = nil,
                       isCancelled: (() -> Bool)? = nil) throws -> Tensor {
        naive ? try sampleNaive(task, rng: &rng, onStep: onStep)
            : try sampleIncremental(task, rng: &rng, onStep: onStep, isCancelled: isCancelled)
    }

    /// Generates the task's pixels like ``sampleNaive(_:rng:onStep:)`` (the same images from the same random
    /// numbers, the same per-step callbacks) through an ``AutoregressiveSession``: each step computes only the
    /// generated pixel's features. A completion first computes the observed pixels' features in one pass.
    ///
    /// Memory: the kept feature maps take 4 * H*W * B * (C + 1 + (6R + 2) * 4F + 5F) bytes (98 MB for F = 32, R = 2,
    /// 28x28, B = 16; 1.07 GB for F = 160, R = 5).
    public func sampleIncremental(_ task: SamplingTask, rng: inout Xoshiro256,
                                  onStep: ((_ pixel: Int, _ parameters: [[Float]]) -> Void)? = nil,
                                  isCancelled: (() -> Bool)? = nil) throws -> Tensor {
        let cfg = configuration
        try task.validate(cfg)
        guard task.initial.shape[0] > 0 else { return task.initial }
        let session = try AutoregressiveSession(model: self, images: task.initial, observed: task.observed,
                                                order: task.order, context: task.context)
        while let q = session.nextPixel {
            if let isCancelled, isCancelled() {
                session.cancel()
                throw LMConvError.cancelled
            }
            let parameters = try session.outputParameters()       // (B, OC)
            // Images in turn, each drawing a fixed count of uniforms (the naive sampler's sequence).
            let values = parameters.map { samplePixel($0, configuration: cfg, options: task.pixelOptions, rng: &rng) }
            try session.acceptPixel(values)
            onStep?(q, parameters)
        }
        return session.images
    }
}
