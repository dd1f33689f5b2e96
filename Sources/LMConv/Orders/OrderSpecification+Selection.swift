// Choosing orders from a specification for evaluation and sampling, and naming them for people.

/// The names of the eight variants of a base order, by index (SPEC section 1); variant 0 is the base order itself.
public let orderVariantNames = ["base", "reflect_rows", "reflect_cols", "reflect_all", "transpose",
                                "transpose+reflect_rows", "transpose+reflect_cols", "transpose+reflect_all"]

extension OrderSpecification {
    /// The first `variantsPerBase` (1...8) variants of each base order, base orders in sequence: with 8 the same list
    /// as ``orders(height:width:)`` for a randomized specification, with 2 e.g. the base order and its row reflection.
    /// With a ``selection``, `variantsPerBase` equal to ``variants`` gives the selected orders; any other count picks
    /// from the full list.
    public func orders(height: Int, width: Int, variantsPerBase: Int) throws -> [GenerationOrder] {
        guard (1...8).contains(variantsPerBase) else {
            throw LMConvError.invalidArgument(reason: "the number of order variants must be 1...8, got \(variantsPerBase)")
        }
        if selection != nil && variantsPerBase == variants { return try orders(height: height, width: width) }
        var spec = self
        spec.selection = nil
        spec.variants = variantsPerBase == 1 ? 1 : 8
        let all = try spec.orders(height: height, width: width)
        let per = spec.variants
        return names.indices.flatMap { b in all[(b * per)..<(b * per + variantsPerBase)] }
    }

    /// Readable names of the orders ``orders(height:width:variantsPerBase:)`` returns, e.g. `s_curve`,
    /// `s_curve.reflect_rows`; base-order options are written in brackets (`s_curve[transpose]`). A ``selection``
    /// applies as in ``orders(height:width:variantsPerBase:)``.
    public func orderNames(variantsPerBase: Int) -> [String] {
        if let selection, variantsPerBase == variants {
            let all = unselectedNames(variantsPerBase: variants)
            return selection.map { all.indices.contains($0) ? all[$0] : "#\($0)" }
        }
        return unselectedNames(variantsPerBase: variantsPerBase)
    }

    private func unselectedNames(variantsPerBase: Int) -> [String] {
        let options = [(baseTranspose, "transpose"), (baseReflectRows, "reflect_rows"), (baseReflectCols, "reflect_cols")]
            .filter { $0.0 }.map { $0.1 }
        let suffix = options.isEmpty ? "" : "[" + options.joined(separator: ",") + "]"
        return names.flatMap { name in
            (0..<min(max(variantsPerBase, 0), 8)).map { i in name + suffix + (i == 0 ? "" : "." + orderVariantNames[i]) }
        }
    }

    /// The names of every order of this specification, in the sequence of ``orders(height:width:)``.
    public var orderNames: [String] { orderNames(variantsPerBase: variants) }

    /// Throws for a base order name that does not exist, listing the valid ones.
    public func checkNames() throws {
        for name in names where !GenerationOrder.names.contains(name) {
            throw LMConvError.invalidArgument(reason: "unknown generation order \"\(name)\" (valid: \(GenerationOrder.names.joined(separator: ", ")))")
        }
    }
}
