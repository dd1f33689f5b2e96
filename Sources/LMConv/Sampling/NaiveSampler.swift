// The reference's sampler: one full forward pass of the network per generated pixel (SPEC section 8). Kept as the
// plain version the session-based sampler is tested against.
// Legend: B images, C channels, H rows, W cols, HW = H*W, OC output channels.

extension LocallyMaskedPixelCNN {
    /// Generates the task's pixels by running the whole network once per pixel, as the reference does.
    ///
    /// - Parameters:
    ///   - rng: the sampling noise (``samplePixel(_:configuration:options:rng:)`` draws the same count of numbers
    ///     per pixel and image, images in sequence within a step).
    ///   - onStep: called after each step with the row-major pixel index and its output parameters (B, OC).
    /// - Returns: the completed images (B, C, H, W), every generated value one of the data's bins.
    public func sampleNaive(_ task: SamplingTask, rng: inout Xoshiro256,
                            onStep: ((_ pixel: Int, _ parameters: [[Float]]) -> Void)? = nil) throws -> Tensor {
        let cfg = configuration
        try task.validate(cfg)
        let masks = try self.masks(for: task.order, observed: task.maskedObserved)
        var x = task.initial
        let B = x.shape[0], C = cfg.channels, HW = x.shape[2] * x.shape[3], OC = cfg.outputChannels, N = B * HW
        if let hidden = task.hidden {   // the hidden pixels start at zero, as in the reference
            for b in 0..<B { for c in 0..<C { for q in 0..<HW where hidden[q] { x.scalars[(b * C + c) * HW + q] = 0 } } }
        }
        var dropoutRNG = Xoshiro256(seed: 0)
        for q in task.stepsInOrder {
            let (output, _) = forward(x, masks: masks, rng: &dropoutRNG)   // (OC, B, H, W)
            var stepParameters: [[Float]] = []
            for b in 0..<B {
                let params = (0..<OC).map { output.scalars[$0 * N + b * HW + q] }
                let value = samplePixel(params, configuration: cfg, options: task.pixelOptions, rng: &rng)
                for c in 0..<C { x.scalars[(b * C + c) * HW + q] = value[c] }
                stepParameters.append(params)
            }
            onStep?(q, stepParameters)
        }
        return x
    }
}
