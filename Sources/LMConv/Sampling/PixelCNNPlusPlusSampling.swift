// Sampling and completion with the PixelCNN++ baseline: its only order is raster, and it has no incremental (cached)
// sampler, so every generated pixel costs one whole forward pass (H*W passes to sample an image from scratch).
// Legend: B images, C channels, H rows, W cols, HW = H*W, OC output channels.

extension PixelCNNPlusPlus {
    /// Samples `count` images in raster order by running the whole network once per pixel, as the reference does.
    ///
    /// - Parameters:
    ///   - temperature: multiplies the logistic noise of mixture models (1: the model's distribution).
    ///   - pixelOptions: temperatures and quantisation; when given, replaces `temperature`.
    ///   - rng: the sampling noise (``samplePixel(_:configuration:options:rng:)`` draws the same count of numbers
    ///     per pixel and image, images in sequence within a pixel), so a seed fixes the images.
    ///   - onPixel: called after each pixel with its row-major index.
    /// - Returns: the images (B, C, H, W) in [-1, 1], every value one of the data's bins unless
    ///   `pixelOptions` turn quantisation off.
    public func sample(count: Int, temperature: Float = 1, pixelOptions: PixelSamplingOptions? = nil,
                       rng: inout Xoshiro256, onPixel: ((_ pixel: Int) -> Void)? = nil) throws -> Tensor {
        let cfg = configuration
        guard count >= 1 else { throw LMConvError.invalidArgument(source: "sample", reason: "count must be >= 1, got \(count)") }
        // Pixels not yet generated start at zero, as in the reference; causality makes their value irrelevant.
        let x = Tensor(shape: [count, cfg.channels, cfg.height, cfg.width])
        return try generate(x, pixels: Array(0..<(cfg.height * cfg.width)),
                            options: pixelOptions ?? PixelSamplingOptions(logisticTemperature: temperature), rng: &rng,
                            onPixel: onPixel)
    }

    /// Completes each of `images` `samples` times, generating the `hidden` pixels in raster order.
    ///
    /// A raster-order network conditions each hidden pixel on the pixels before it in raster order only: observed
    /// pixels below or to the right of it are not seen (the limitation locally masked orders remove).
    ///
    /// - Parameters:
    ///   - images: (N, C, H, W) in [-1, 1] at the model's size; hidden pixels' values are ignored.
    ///   - hidden: row-major H*W flags, at least one set.
    ///   - onPixel: called after each hidden pixel with its row-major index.
    /// - Returns: (N * samples, C, H, W): completion k of image i at index i * samples + k.
    public func complete(_ images: Tensor, hidden: [Bool], samples: Int, temperature: Float = 1,
                         pixelOptions: PixelSamplingOptions? = nil, rng: inout Xoshiro256,
                         onPixel: ((_ pixel: Int) -> Void)? = nil) throws -> Tensor {
        let cfg = configuration, C = cfg.channels, HW = cfg.height * cfg.width
        guard images.shape == [images.shape.first ?? 0, C, cfg.height, cfg.width], images.shape[0] >= 1 else {
            throw LMConvError.shapeMismatch(reason: "images of shape \(images.shape) do not fit the model's "
                                            + "\(C)x\(cfg.height)x\(cfg.width)")
        }
        guard samples >= 1 else {
            throw LMConvError.invalidArgument(reason: "the number of completions per image must be >= 1, got \(samples)")
        }
        guard hidden.count == HW, hidden.contains(true) else {
            throw LMConvError.invalidArgument(reason: "the hidden region must flag at least one of the \(HW) pixels")
        }
        let N = images.shape[0], size = C * HW
        var x = Tensor(shape: [N * samples, C, cfg.height, cfg.width])   // (N * samples, C, H, W)
        for i in 0..<N {
            for k in 0..<samples {
                for j in 0..<size where !hidden[j % HW] { x.scalars[(i * samples + k) * size + j] = images.scalars[i * size + j] }
            }
        }
        return try generate(x, pixels: (0..<HW).filter { hidden[$0] },
                            options: pixelOptions ?? PixelSamplingOptions(logisticTemperature: temperature), rng: &rng,
                            onPixel: onPixel)
    }

    /// Generates `pixels` (row-major indices, increasing) of x (B, C, H, W) one whole forward pass each.
    private func generate(_ start: Tensor, pixels: [Int], options: PixelSamplingOptions, rng: inout Xoshiro256,
                          onPixel: ((Int) -> Void)?) throws -> Tensor {
        try options.validate()
        let cfg = configuration, B = start.shape[0], C = cfg.channels, HW = cfg.height * cfg.width
        let OC = cfg.outputChannels, N = B * HW
        var x = start
        var dropoutRNG = Xoshiro256(seed: 0)   // not training: dropout is off and never draws
        for q in pixels {
            let (output, _) = forward(x, rng: &dropoutRNG)   // (OC, B, H, W)
            for b in 0..<B {
                let params = (0..<OC).map { output.scalars[$0 * N + b * HW + q] }
                let value = samplePixel(params, configuration: cfg, options: options, rng: &rng)
                for c in 0..<C { x.scalars[(b * C + c) * HW + q] = value[c] }
            }
            onPixel?(q)
        }
        return x
    }
}
