/// Which generation orders a model is trained and evaluated with: base order names, 1 or 8 variants of each, and
/// the reference's base-order options. Stored with every checkpoint, so evaluation defaults to the training orders.
public struct OrderSpecification: Codable, Equatable, Sendable {
    /// Base order names (``GenerationOrder/names``), e.g. `["s_curve"]`.
    public var names: [String]
    /// 1 (the base orders only) or 8 (every base order's eight reflections/transposes, as "randomized" training).
    public var variants: Int
    public var baseTranspose: Bool
    public var baseReflectRows: Bool
    public var baseReflectCols: Bool

    public init(names: [String] = ["s_curve"], variants: Int = 8, baseTranspose: Bool = false,
                baseReflectRows: Bool = false, baseReflectCols: Bool = false) {
        self.names = names
        self.variants = variants
        self.baseTranspose = baseTranspose
        self.baseReflectRows = baseReflectRows
        self.baseReflectCols = baseReflectCols
    }

    enum CodingKeys: String, CodingKey {
        case names = "order", variants, baseTranspose = "base_order_transpose"
        case baseReflectRows = "base_order_reflect_rows", baseReflectCols = "base_order_reflect_cols"
    }

    /// The concrete orders for an image size, in the reference's index order.
    public func orders(height: Int, width: Int) throws -> [GenerationOrder] {
        try GenerationOrder.variantList(baseNames: names, height: height, width: width, variants: variants,
                                        baseTranspose: baseTranspose, baseReflectRows: baseReflectRows,
                                        baseReflectCols: baseReflectCols)
    }
}
