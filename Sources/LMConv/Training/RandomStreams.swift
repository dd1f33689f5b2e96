// Counter-based randomness for training and evaluation: every random number that shapes a step comes from a
// generator derived from (seed, purpose, step, image index) alone, never from a stream that runs across steps or
// images. So a step draws the same numbers whichever rank holds an image and whichever images share its batch
// (data-parallel training gives one process's trajectory), and a resumed run needs no generator state.

/// What a derived generator is for; part of its key, so the streams of different purposes are unrelated.
public enum RandomPurpose: UInt64, Sendable {
    /// The generation order of a training step (image index 0).
    case order = 1
    /// Dynamic binarisation of a training image.
    case binarization = 2
    /// The channel-dropout masks of a training image.
    case dropout = 3
    /// Dynamic binarisation of an evaluated image (step 0).
    case evaluationBinarization = 4
    /// The size a multi-resolution training batch is resized to (image index 0).
    case resolution = 5
    /// The sampling noise of the pictures drawn during training (step: the training step, image 0).
    case trainingSamples = 6
}

/// SplitMix64's output function: a bijective 64-bit mix in which every input bit affects every output bit.
@inline(__always) func splitMix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

extension Xoshiro256 {
    /// The generator for (`seed`, `purpose`, `step`, `image`): a SplitMix64 chain over the four words seeds it, so
    /// any change of any word gives an unrelated stream.
    public init(seed: UInt64, purpose: RandomPurpose, step: Int, image: Int) {
        var h = splitMix64(seed ^ 0x4C4D_436F_6E76_5244)   // "LMConvRD"
        h = splitMix64(h ^ purpose.rawValue)
        h = splitMix64(h ^ UInt64(bitPattern: Int64(step)))
        h = splitMix64(h ^ UInt64(bitPattern: Int64(image)))
        self.init(seed: h)
    }
}

/// The generation order of training step `step` (0 for the first step): uniform over `count` orders.
func stepOrderIndex(seed: UInt64, step: Int, count: Int) -> Int {
    var rng = Xoshiro256(seed: seed, purpose: .order, step: step, image: 0)
    return BatchIterator.uniform(below: count, &rng)
}

extension ImageDataset {
    /// The images at `indices` encoded as network input (B, C, H, W), each image's dynamic binarisation (if any)
    /// drawn from its own generator `generator(index)`: an image's encoding does not depend on its batch.
    func networkInput(_ indices: [Int], encoding: PixelEncoding, generator: (Int) -> Xoshiro256) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(indices.count * imageSize)
        for i in indices {
            var rng = generator(i)
            out += Preprocessing.encode(image(i), as: encoding, rng: &rng)
        }
        return out
    }
}
