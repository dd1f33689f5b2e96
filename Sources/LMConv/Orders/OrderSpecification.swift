/// Which generation orders a model is trained and evaluated with: base order names, 1 or 8 variants of each, the
/// reference's base-order options and, optionally, a selection from that list (the reference's `order_variants`).
/// Stored with every checkpoint, so evaluation defaults to the training orders.
public struct OrderSpecification: Codable, Equatable, Sendable {
    /// Base order names (``GenerationOrder/names``), e.g. `["s_curve"]`.
    public var names: [String]
    /// 1 (the base orders only) or 8 (every base order's eight reflections/transposes, as "randomized" training).
    public var variants: Int
    public var baseTranspose: Bool
    public var baseReflectRows: Bool
    public var baseReflectCols: Bool
    /// Indices into the full list (every base order's `variants` variants, base orders in sequence) that make the
    /// orders, in this sequence; repeats allowed, as the reference's `order_variants` (`all[i] for i in ...`).
    /// nil: the whole list.
    public var selection: [Int]?

    public init(names: [String] = ["s_curve"], variants: Int = 8, baseTranspose: Bool = false,
                baseReflectRows: Bool = false, baseReflectCols: Bool = false, selection: [Int]? = nil) {
        self.names = names
        self.variants = variants
        self.baseTranspose = baseTranspose
        self.baseReflectRows = baseReflectRows
        self.baseReflectCols = baseReflectCols
        self.selection = selection
    }

    enum CodingKeys: String, CodingKey {
        case names = "order", variants, baseTranspose = "base_order_transpose"
        case baseReflectRows = "base_order_reflect_rows", baseReflectCols = "base_order_reflect_cols"
        case selection = "order_variants"
    }

    /// The number of orders of the full list, before ``selection``.
    public var unselectedCount: Int { names.count * variants }

    /// The concrete orders for an image size, in the reference's index order (then picked by ``selection``).
    public func orders(height: Int, width: Int) throws -> [GenerationOrder] {
        let all = try GenerationOrder.variantList(baseNames: names, height: height, width: width, variants: variants,
                                                  baseTranspose: baseTranspose, baseReflectRows: baseReflectRows,
                                                  baseReflectCols: baseReflectCols)
        try checkSelection()
        return selection.map { $0.map { all[$0] } } ?? all
    }

    /// Throws when ``selection`` is empty or names an order outside the full list.
    public func checkSelection() throws {
        guard let selection else { return }
        guard !selection.isEmpty else { throw LMConvError.invalidArgument(reason: "the order selection is empty") }
        if let bad = selection.first(where: { !(0..<unselectedCount).contains($0) }) {
            throw LMConvError.invalidArgument(reason: "order variant index \(bad) does not exist: \(names.joined(separator: ", ")) "
                              + "with \(variants) variant\(variants == 1 ? "" : "s") each make \(unselectedCount) orders "
                              + "(indices 0...\(unselectedCount - 1))")
        }
    }
}
