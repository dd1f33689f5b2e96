/// Values a caller sets explicitly when importing a reference checkpoint: each one that is not `nil` overrides what
/// the checkpoint's `args` say, or supplies what a checkpoint without `args` cannot tell.
public struct TorchImportOverrides: Sendable, Equatable {
    public var channels: Int?
    public var height: Int?
    public var width: Int?
    public var binarize: Bool?
    public var filters: Int?
    public var resnets: Int?
    public var kernelSize: Int?
    public var maxDilation: Int?
    public var mixtures: Int?
    public var normalization: Normalization?
    public var nBits: Int?
    public var convBias: Bool?
    public var learnWeightForMasks: Bool?
    public var dropout: Float?
    /// Base order names (``GenerationOrder/names``).
    public var orderNames: [String]?
    /// 1 or 8.
    public var variants: Int?
    public var baseTranspose: Bool?
    public var baseReflectRows: Bool?
    public var baseReflectCols: Bool?
    /// Indices into the order list (``OrderSpecification/selection``, the reference's `order_variants`).
    public var orderSelection: [Int]?

    public init(channels: Int? = nil, height: Int? = nil, width: Int? = nil, binarize: Bool? = nil,
                filters: Int? = nil, resnets: Int? = nil, kernelSize: Int? = nil, maxDilation: Int? = nil,
                mixtures: Int? = nil, normalization: Normalization? = nil, nBits: Int? = nil, convBias: Bool? = nil,
                learnWeightForMasks: Bool? = nil, dropout: Float? = nil, orderNames: [String]? = nil,
                variants: Int? = nil, baseTranspose: Bool? = nil, baseReflectRows: Bool? = nil,
                baseReflectCols: Bool? = nil, orderSelection: [Int]? = nil) {
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
        self.orderNames = orderNames
        self.variants = variants
        self.baseTranspose = baseTranspose
        self.baseReflectRows = baseReflectRows
        self.baseReflectCols = baseReflectCols
        self.orderSelection = orderSelection
    }

    /// Every value of `configuration` as an override.
    public init(_ configuration: ModelConfiguration) {
        self.init(channels: configuration.channels, height: configuration.height, width: configuration.width,
                  binarize: configuration.binarize, filters: configuration.filters, resnets: configuration.resnets,
                  kernelSize: configuration.kernelSize, maxDilation: configuration.maxDilation,
                  mixtures: configuration.mixtures, normalization: configuration.normalization,
                  nBits: configuration.nBits, convBias: configuration.convBias,
                  learnWeightForMasks: configuration.learnWeightForMasks, dropout: configuration.dropout)
    }

    /// Sets every order value from `orders`.
    public mutating func setOrders(_ orders: OrderSpecification) {
        orderNames = orders.names
        variants = orders.variants
        baseTranspose = orders.baseTranspose
        baseReflectRows = orders.baseReflectRows
        baseReflectCols = orders.baseReflectCols
        orderSelection = orders.selection
    }
}

extension TorchImportOverrides {
    /// These values, replaced by every non-nil value of `other`.
    func overlaid(with other: TorchImportOverrides) -> TorchImportOverrides {
        var r = self
        r.channels = other.channels ?? r.channels
        r.height = other.height ?? r.height
        r.width = other.width ?? r.width
        r.binarize = other.binarize ?? r.binarize
        r.filters = other.filters ?? r.filters
        r.resnets = other.resnets ?? r.resnets
        r.kernelSize = other.kernelSize ?? r.kernelSize
        r.maxDilation = other.maxDilation ?? r.maxDilation
        r.mixtures = other.mixtures ?? r.mixtures
        r.normalization = other.normalization ?? r.normalization
        r.nBits = other.nBits ?? r.nBits
        r.convBias = other.convBias ?? r.convBias
        r.learnWeightForMasks = other.learnWeightForMasks ?? r.learnWeightForMasks
        r.dropout = other.dropout ?? r.dropout
        r.orderNames = other.orderNames ?? r.orderNames
        r.variants = other.variants ?? r.variants
        r.baseTranspose = other.baseTranspose ?? r.baseTranspose
        r.baseReflectRows = other.baseReflectRows ?? r.baseReflectRows
        r.baseReflectCols = other.baseReflectCols ?? r.baseReflectCols
        r.orderSelection = other.orderSelection ?? r.orderSelection
        return r
    }
}
