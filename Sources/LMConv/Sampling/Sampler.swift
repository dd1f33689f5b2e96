// The sampling entry point: generates a task's pixels with the fastest sampler available, or the reference's naive
// one on request.

extension LocallyMaskedPixelCNN {
    /// Generates the pixels of `task` (every pixel, or the hidden ones of a completion).
    ///
    /// - Parameters:
    ///   - rng: the sampling noise; every sampler draws the same numbers per pixel, so the result depends only on it.
    ///   - naive: force the reference's sampler (one whole forward pass per pixel, ``sampleNaive(_:rng:onStep:)``).
    ///   - onStep: called after each generated pixel with its row-major index and output parameters (B, OC).
    /// - Returns: the images (B, C, H, W) in [-1, 1].
    public func sample(_ task: SamplingTask, rng: inout Xoshiro256, naive: Bool = false,
                       onStep: ((_ pixel: Int, _ parameters: [[Float]]) -> Void)? = nil) throws -> Tensor {
        // Only the naive sampler exists so far; a faster incremental sampler will be chosen here when `naive` is off.
        try sampleNaive(task, rng: &rng, onStep: onStep)
    }
}
