// The single entry point for sampling and completion (SPEC section 8).

extension LocallyMaskedPixelCNN {
    /// Generates the task's pixels: incrementally (``sampleIncremental(_:rng:onStep:)``, about one forward pass in
    /// all) or, with `naive`, as the reference does (``sampleNaive(_:rng:onStep:)``, one forward pass per pixel).
    /// Both draw the same images from the same random numbers.
    ///
    /// - Parameters:
    ///   - rng: the sampling noise.
    ///   - naive: run the whole network once per generated pixel.
    ///   - onStep: called after each step with the row-major pixel index and its output parameters (B, OC).
    /// - Returns: the completed images (B, C, H, W).
    public func sample(_ task: SamplingTask, rng: inout Xoshiro256, naive: Bool = false,
                       onStep: ((Int, [[Float]]) -> Void)? = nil) throws -> Tensor {
        naive ? try sampleNaive(task, rng: &rng, onStep: onStep) : try sampleIncremental(task, rng: &rng, onStep: onStep)
    }
}
