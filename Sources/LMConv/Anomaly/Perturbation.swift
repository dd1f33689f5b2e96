// Input perturbation for the background model of the likelihood-ratio score (Ren et al., "Likelihood Ratios for
// Out-of-Distribution Detection", NeurIPS 2019): each pixel of a training image is, with probability `rate`,
// replaced by uniform noise. A model trained on such images learns the population-level statistics (background,
// smoothness) but not the semantics, so the ratio of the two likelihoods cancels the former.

extension Preprocessing {
    /// Replaces each pixel of encoded images `values` (B, C, H, W) in [-1, 1], with probability `rate`, by a value
    /// drawn uniformly from the encoding's levels (±1 when binary; each of its C sub-pixels independently).
    ///
    /// Draws one uniform per pixel, in row-major order image by image, and C level draws per replaced pixel, all
    /// from `rng`. A rate of 0 leaves `values` alone and draws nothing.
    public static func perturb(_ values: inout [Float], channels C: Int, pixelsPerImage HW: Int, rate: Double,
                               encoding: PixelEncoding, rng: inout Xoshiro256) {
        precondition(rate >= 0 && rate <= 1, "perturbation rate \(rate) is outside [0, 1]")
        precondition(HW > 0 && values.count % (C * HW) == 0, "values do not hold whole images of \(C)x\(HW)")
        guard rate > 0 else { return }
        let bits = encoding.bits                       // 1 when binary
        let top = Float((1 << bits) - 1)
        for b in 0..<(values.count / (C * HW)) {
            for q in 0..<HW where Double(rng.nextUniform()) < rate {
                for c in 0..<C {
                    let level = rng.next() >> UInt64(64 - bits)   // uniform in 0..<2^bits (a power of two: unbiased)
                    // The same value ``quantize(_:nBits:)`` gives that level.
                    values[(b * C + c) * HW + q] = bits == 8 ? Float(level) / 255 * 2 - 1 : Float(2 * Int(level)) / top - 1
                }
            }
        }
    }
}

extension ImageDataset {
    /// The images at `indices` encoded as network input (B, C, H, W), then perturbed at `perturbRate` (nil or 0:
    /// not at all): each image's binarisation and then its perturbation drawn from its own generator
    /// `generator(index)`, so an image's input does not depend on its batch.
    func networkInput(_ indices: [Int], encoding: PixelEncoding, perturbRate: Double?,
                      generator: (Int) -> Xoshiro256) -> [Float] {
        guard let rate = perturbRate, rate > 0 else { return networkInput(indices, encoding: encoding, generator: generator) }
        var out = [Float]()
        out.reserveCapacity(indices.count * imageSize)
        for i in indices {
            var rng = generator(i)
            var values = Preprocessing.encode(image(i), as: encoding, rng: &rng)
            Preprocessing.perturb(&values, channels: channels, pixelsPerImage: height * width, rate: rate,
                                  encoding: encoding, rng: &rng)
            out += values
        }
        return out
    }
}
