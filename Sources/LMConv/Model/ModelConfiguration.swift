/// Which network a configuration describes.
public enum NetworkKind: String, Codable, Sendable, CaseIterable {
    /// The Locally Masked PixelCNN (``LocallyMaskedPixelCNN``).
    case lmconv
    /// The reference's PixelCNN++ baseline (``PixelCNNPlusPlus``): raster order only.
    case pixelCNNPlusPlus = "pixelcnn++"
}

/// The hyper-parameters of a Locally Masked PixelCNN (SPEC section 5). Coded under the reference's option names
/// (`nr_filters`, `nr_resnet`, ...) so that a configuration reads the same in a checkpoint's metadata as in the
/// reference's `args`. Each value's names, meaning, default and valid values: ``Parameter``.
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
    /// The network: the locally masked one or the PixelCNN++ baseline (which uses only some of these values; see
    /// ``PixelCNNPlusPlus``). Checkpoints written before this field existed decode as `.lmconv`.
    public var network: NetworkKind

    public init(channels: Int = 1, height: Int = 28, width: Int = 28, binarize: Bool = true, filters: Int = 32,
                resnets: Int = 2, kernelSize: Int = 3, maxDilation: Int = 2, mixtures: Int = 10,
                normalization: Normalization = .pono, nBits: Int = 8, convBias: Bool = true,
                learnWeightForMasks: Bool = false, dropout: Float = 0, network: NetworkKind = .lmconv) {
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
        self.network = network
    }

    /// A JSON key of a configuration: ``Parameter/key``.
    struct Key: CodingKey {
        let stringValue: String
        init(_ parameter: Parameter) { stringValue = parameter.key }
        /// The network kind's key (not a hyper-parameter of the table).
        static let network = Key(stringValue: "network")!
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// Reads a configuration from its JSON; missing keys take the default configuration's values.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        func value<T: Decodable>(_ p: Parameter, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: Key(p)) ?? fallback
        }
        let d = ModelConfiguration()
        self.init(channels: try value(.channels, d.channels), height: try value(.height, d.height),
                  width: try value(.width, d.width), binarize: try value(.binarize, d.binarize),
                  filters: try value(.filters, d.filters), resnets: try value(.resnets, d.resnets),
                  kernelSize: try value(.kernelSize, d.kernelSize), maxDilation: try value(.maxDilation, d.maxDilation),
                  mixtures: try value(.mixtures, d.mixtures), normalization: try value(.normalization, d.normalization),
                  nBits: try value(.nBits, d.nBits), convBias: try value(.convBias, d.convBias),
                  learnWeightForMasks: try value(.learnWeightForMasks, d.learnWeightForMasks),
                  dropout: try value(.dropout, d.dropout),
                  network: try c.decodeIfPresent(NetworkKind.self, forKey: .network) ?? .lmconv)
    }

    /// Writes every value under its ``Parameter/key``.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for p in Parameter.allCases {
            switch p {
            case .binarize: try c.encode(binarize, forKey: Key(p))
            case .normalization: try c.encode(normalization, forKey: Key(p))
            case .convBias: try c.encode(convBias, forKey: Key(p))
            case .learnWeightForMasks: try c.encode(learnWeightForMasks, forKey: Key(p))
            case .dropout: try c.encode(dropout, forKey: Key(p))
            default: try c.encode(integer(p)!, forKey: Key(p))
            }
        }
        try c.encode(network, forKey: .network)
    }

    /// The network's output channels: 2 logits (binarized), 3M (one channel) or 10M (three channels).
    public var outputChannels: Int { binarize ? 2 : (channels == 1 ? 3 * mixtures : 10 * mixtures) }

    /// Checks every value against its ``Parameter``'s valid values, with a message that names the offending option
    /// by its ``Parameter/key``.
    public func validate() throws {
        func fail(_ s: String) -> LMConvError { LMConvError.invalidConfiguration(reason: "invalid model configuration: \(s)") }
        func check(_ p: Parameter) throws {
            if let value = integer(p), let problem = p.problem(with: value) { throw fail("\(p.key) \(problem)") }
        }
        try check(.channels)
        guard height >= 1, width >= 1 else { throw fail("image size \(height)x\(width) must be positive") }
        guard !binarize || channels == 1 else { throw fail("binarize needs 1 channel, got \(channels)") }
        for p in Parameter.allCases where ![.channels, .height, .width].contains(p) && !(p == .mixtures && binarize) {
            try check(p)
        }
        if let problem = Parameter.dropout.problem(with: dropout) { throw fail("\(Parameter.dropout.key) \(problem)") }
    }
}
