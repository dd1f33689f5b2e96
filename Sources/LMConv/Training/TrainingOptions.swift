/// How to train (SPEC section 7 gives the reference's values). Checkpoints record it (``TrainingState``), so a
/// resumed run continues with the same options; options added later decode to their defaults from older files.
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var batchSize: Int = 32
    public var learningRate: Float = 2e-4
    /// Multiplies the learning rate once per epoch.
    public var learningRateDecay: Float = 0.999995
    /// Clip the global gradient norm to this value (nil: no clipping).
    public var clipNorm: Float? = nil
    /// Keep an exponential moving average of the weights with this decay (nil: none).
    public var emaDecay: Float? = nil
    /// Seeds the weights, the data order, the orders drawn, dynamic binarisation and dropout.
    public var seed: UInt64 = 0
    /// Replace this fraction of each training image's pixels by uniform noise (``Preprocessing/perturb``), as for the
    /// background model of a likelihood ratio (nil: none).
    public var perturbRate: Double? = nil
    /// Train on these orders only: indices into the order list (the reference's `--train_masks`); each batch draws
    /// one of them uniformly. Test evaluations during training use them too. nil: every order.
    public var orderIndices: [Int]? = nil
    /// L2 weight decay in PyTorch Adam's form: `grad += weightDecay * param` before the moments (0: none).
    public var weightDecay: Float = 0
    /// Batches per optimizer step (gradient accumulation): their gradients add up, as one batch this many times
    /// larger (each batch still draws its own order, as in the reference).
    public var accumulate: Int = 1
    /// Minimise bits per dimension instead of the summed NLL: each batch's loss is divided by
    /// batchSize x C x H x W x ln 2, as the reference's `--minimize_bpd` does (its nominal batch size).
    public var minimizeBPD: Bool = false
    /// Multi-resolution training: each batch is resized to one of these sizes (nil: the data's own size only).
    public var resizeSizes: [ImageSize]? = nil
    /// The probability of each of ``resizeSizes`` (nil: uniform).
    public var resizeProbabilities: [Double]? = nil
    /// How batches are resized (nil: area when shrinking, bilinear when enlarging).
    public var resizeMethod: ResizeMethod? = nil

    public init() {}

    enum CodingKeys: String, CodingKey {
        case batchSize, learningRate, learningRateDecay, clipNorm, emaDecay, seed, perturbRate
        case orderIndices, weightDecay, accumulate, minimizeBPD, resizeSizes, resizeProbabilities, resizeMethod
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        learningRateDecay = try c.decode(Float.self, forKey: .learningRateDecay)
        clipNorm = try c.decodeIfPresent(Float.self, forKey: .clipNorm)
        emaDecay = try c.decodeIfPresent(Float.self, forKey: .emaDecay)
        seed = try c.decode(UInt64.self, forKey: .seed)
        perturbRate = try c.decodeIfPresent(Double.self, forKey: .perturbRate)
        orderIndices = try c.decodeIfPresent([Int].self, forKey: .orderIndices)
        weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? 0
        accumulate = try c.decodeIfPresent(Int.self, forKey: .accumulate) ?? 1
        minimizeBPD = try c.decodeIfPresent(Bool.self, forKey: .minimizeBPD) ?? false
        resizeSizes = try c.decodeIfPresent([ImageSize].self, forKey: .resizeSizes)
        resizeProbabilities = try c.decodeIfPresent([Double].self, forKey: .resizeProbabilities)
        resizeMethod = try c.decodeIfPresent(ResizeMethod.self, forKey: .resizeMethod)
    }

    /// Throws `invalidOption` (naming the tool's flag) for a value out of range.
    public func validate(orderCount: Int) throws {
        guard batchSize >= 1 else { throw LMConvError.invalidOption(name: "--batch-size", reason: "must be >= 1, got \(batchSize)") }
        if let rate = perturbRate, !(rate >= 0 && rate <= 1) {
            throw LMConvError.invalidOption(name: "--perturb-rate", reason: "the perturbation rate must be in [0, 1], got \(rate)")
        }
        if let indices = orderIndices {
            guard !indices.isEmpty else { throw LMConvError.invalidOption(name: "--order-indices", reason: "lists no order") }
            if let bad = indices.first(where: { !(0..<orderCount).contains($0) }) {
                throw LMConvError.invalidOption(name: "--order-indices", value: "\(bad)",
                                                reason: "is not an index into the \(orderCount) orders (0...\(orderCount - 1))")
            }
        }
        guard weightDecay >= 0 && weightDecay.isFinite else {
            throw LMConvError.invalidOption(name: "--weight-decay", reason: "must be >= 0, got \(weightDecay)")
        }
        guard accumulate >= 1 else { throw LMConvError.invalidOption(name: "--accumulate", reason: "must be >= 1, got \(accumulate)") }
        if let sizes = resizeSizes {
            guard !sizes.isEmpty else { throw LMConvError.invalidOption(name: "--resize-sizes", reason: "lists no size") }
            if let p = resizeProbabilities {
                guard p.count == sizes.count else {
                    throw LMConvError.invalidOption(name: "--resize-probs", reason: "gives \(p.count) probabilities for "
                                                    + "\(sizes.count) sizes")
                }
                guard p.allSatisfy({ $0 >= 0 && $0.isFinite }), abs(p.reduce(0, +) - 1) < 1e-6 else {
                    throw LMConvError.invalidOption(name: "--resize-probs", reason: "must be non-negative and sum to 1, got "
                                                    + p.map { "\($0)" }.joined(separator: " "))
                }
            }
        } else if resizeProbabilities != nil {
            throw LMConvError.invalidOption(name: "--resize-probs", reason: "needs --resize-sizes")
        }
    }
}

extension ImageSize: Codable {
    /// Coded as `HxW`.
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let size = ImageSize(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an image size: \(text)"))
        }
        self = size
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension ResizeMethod: Codable {}
