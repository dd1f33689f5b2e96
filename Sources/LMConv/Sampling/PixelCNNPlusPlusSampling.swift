// Sampling from the PixelCNN++ baseline: its only order is raster, and it has no incremental (cached) sampler, so
// every pixel costs one whole forward pass: H*W passes of the network per batch of images.
// Legend: B images, C channels, H rows, W cols, HW = H*W, OC output channels.

extension PixelCNNPlusPlus {
    /// Samples `count` images in raster order by running the whole network once per pixel, as the reference does.
    ///
    /// - Parameters:
    ///   - temperature: multiplies the logistic noise of mixture models (1: the model's distribution).
    ///   - rng: the sampling noise (``samplePixel(_:configuration:temperature:rng:)`` draws the same count of numbers
    ///     per pixel and image, images in sequence within a pixel), so a seed fixes the images.
    ///   - onPixel: called after each pixel with its row-major index.
    /// - Returns: the images (B, C, H, W) in [-1, 1], every value one of the data's bins.
    public func sample(count: Int, temperature: Float = 1, rng: inout Xoshiro256,
                       onPixel: ((_ pixel: Int) -> Void)? = nil) throws -> Tensor {
        let cfg = configuration
        guard count >= 1 else { throw LMConvError.invalidArgument(source: "sample", reason: "count must be >= 1, got \(count)") }
        guard temperature >= 0, temperature.isFinite else {
            throw LMConvError.invalidArgument(source: "sample", reason: "temperature must be finite and >= 0, got \(temperature)")
        }
        let B = count, C = cfg.channels, HW = cfg.height * cfg.width, OC = cfg.outputChannels, N = B * HW
        // Pixels not yet generated start at zero, as in the reference; causality makes their value irrelevant.
        var x = Tensor(shape: [B, C, cfg.height, cfg.width])
        var dropoutRNG = Xoshiro256(seed: 0)   // not training: dropout is off and never draws
        for q in 0..<HW {
            let (output, _) = forward(x, rng: &dropoutRNG)   // (OC, B, H, W)
            for b in 0..<B {
                let params = (0..<OC).map { output.scalars[$0 * N + b * HW + q] }
                let value = samplePixel(params, configuration: cfg, temperature: temperature, rng: &rng)
                for c in 0..<C { x.scalars[(b * C + c) * HW + q] = value[c] }
            }
            onPixel?(q)
        }
        return x
    }
}
