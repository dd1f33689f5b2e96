/// The hyper-parameters of a Locally Masked PixelCNN (SPEC section 5). Coded under the reference's option names
/// (`nr_filters`, `nr_resnet`, ...) so that a configuration reads the same in a checkpoint's metadata as in the
/// reference's `args`.
public struct ModelConfiguration: Codable, Equatable, Sendable {
    /// Image channels C: 1 (grayscale or binary) or 3 (RGB).
    public var channels: Int
    /// Image rows H.
    public var height: Int
    /// Image columns W.
    public var width: Int
    /// Binary pixels (±1) with a two-way softmax output, instead of a discretized logistic mixture.
    public var binarize: Bool
    /// Filters F of every hidden layer.
    public var filters: Int
    /// Gated resnets R per stage.
    public var resnets: Int
    /// Odd kernel size k of every locally masked convolution.
    public var kernelSize: Int
    /// Dilation D of the downsize/upsize convolutions.
    public var maxDilation: Int
    /// Logistic mixture components M.
    public var mixtures: Int
    /// The normalisation after convolutions.
    public var normalization: Normalization
    /// Bits per sub-pixel of the data the mixture models (1...8).
    public var nBits: Int
    /// Whether locally masked convolutions have a bias.
    public var convBias: Bool
    /// Whether locally masked convolutions learn a weight for their masks (`mask_weight`).
    public var learnWeightForMasks: Bool
    /// Channel-wise dropout probability inside gated resnets during training.
    public var dropout: Float

    public init(channels: Int = 1, height: Int = 28, width: Int = 28, binarize: Bool = true, filters: Int = 32,
                resnets: Int = 2, kernelSize: Int = 3, maxDilation: Int = 2, mixtures: Int = 10,
                normalization: Normalization = .pono, nBits: Int = 8, convBias: Bool = true,
                learnWeightForMasks: Bool = false, dropout: Float = 0) {
        self.channels = channels
        self.height = height
        self.width = width
        self.binarize = binarize
        self.filters = filters
        self.resnets = resnets
        self.kernelSize = kernelSize
        self.maxDilation = maxDilation
        self.mixtures = mixtures
        self.normalization = normalization
        self.nBits = nBits
        self.convBias = convBias
        self.learnWeightForMasks = learnWeightForMasks
        self.dropout = dropout
    }

    enum CodingKeys: String, CodingKey {
        case channels, height = "rows", width = "cols", binarize, filters = "nr_filters", resnets = "nr_resnet"
        case kernelSize = "kernel_size", maxDilation = "max_dilation", mixtures = "nr_logistic_mix"
        case normalization, nBits = "n_bits", convBias = "conv_bias", learnWeightForMasks = "learn_weight_for_masks"
        case dropout
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ModelConfiguration()
        channels = try c.decodeIfPresent(Int.self, forKey: .channels) ?? d.channels
        height = try c.decodeIfPresent(Int.self, forKey: .height) ?? d.height
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? d.width
        binarize = try c.decodeIfPresent(Bool.self, forKey: .binarize) ?? d.binarize
        filters = try c.decodeIfPresent(Int.self, forKey: .filters) ?? d.filters
        resnets = try c.decodeIfPresent(Int.self, forKey: .resnets) ?? d.resnets
        kernelSize = try c.decodeIfPresent(Int.self, forKey: .kernelSize) ?? d.kernelSize
        maxDilation = try c.decodeIfPresent(Int.self, forKey: .maxDilation) ?? d.maxDilation
        mixtures = try c.decodeIfPresent(Int.self, forKey: .mixtures) ?? d.mixtures
        normalization = try c.decodeIfPresent(Normalization.self, forKey: .normalization) ?? d.normalization
        nBits = try c.decodeIfPresent(Int.self, forKey: .nBits) ?? d.nBits
        convBias = try c.decodeIfPresent(Bool.self, forKey: .convBias) ?? d.convBias
        learnWeightForMasks = try c.decodeIfPresent(Bool.self, forKey: .learnWeightForMasks) ?? d.learnWeightForMasks
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? d.dropout
    }

    /// The network's output channels: 2 logits (binarized), 3M (one channel) or 10M (three channels).
    public var outputChannels: Int { binarize ? 2 : (channels == 1 ? 3 * mixtures : 10 * mixtures) }

    /// Checks every value, with a message that names the offending option.
    public func validate() throws {
        func fail(_ s: String) -> LMConvError { LMConvError.invalidConfiguration(reason: "invalid model configuration: \(s)") }
        guard channels == 1 || channels == 3 else { throw fail("channels must be 1 or 3, got \(channels)") }
        guard height >= 1, width >= 1 else { throw fail("image size \(height)x\(width) must be positive") }
        guard !binarize || channels == 1 else { throw fail("binarize needs 1 channel, got \(channels)") }
        guard filters >= 2 else { throw fail("nr_filters must be at least 2, got \(filters)") }
        guard resnets >= 0 else { throw fail("nr_resnet must be >= 0, got \(resnets)") }
        guard kernelSize >= 1, kernelSize % 2 == 1 else { throw fail("kernel_size must be odd and positive, got \(kernelSize)") }
        guard maxDilation >= 1 else { throw fail("max_dilation must be >= 1, got \(maxDilation)") }
        guard binarize || mixtures >= 1 else { throw fail("nr_logistic_mix must be >= 1, got \(mixtures)") }
        guard (1...8).contains(nBits) else { throw fail("n_bits must be in 1...8, got \(nBits)") }
        guard dropout >= 0, dropout < 1 else { throw fail("dropout must be in [0, 1), got \(dropout)") }
    }
}
