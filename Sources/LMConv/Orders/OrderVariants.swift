// Reflections and transposes of an order, and the 8 variants used by "randomized" training (SPEC section 1).

extension GenerationOrder {
    /// The order with every row r replaced by H - 1 - r.
    public func reflectRows() -> GenerationOrder {
        mapped(height, width) { PixelCoordinate(row: height - 1 - $0.row, col: $0.col) }
    }

    /// The order with every column c replaced by W - 1 - c.
    public func reflectCols() -> GenerationOrder {
        mapped(height, width) { PixelCoordinate(row: $0.row, col: width - 1 - $0.col) }
    }

    /// The order with both rows and columns reflected.
    public func reflectAll() -> GenerationOrder {
        mapped(height, width) { PixelCoordinate(row: height - 1 - $0.row, col: width - 1 - $0.col) }
    }

    /// The order with every (r, c) replaced by (c, r). Throws for a non-square image, where the reference's
    /// transposed order would not cover the image.
    public func transpose() throws -> GenerationOrder {
        guard height == width else {
            throw LMConvError.invalidArgument(reason: "cannot transpose a generation order of a non-square \(height)x\(width) image")
        }
        return mapped(width, height) { PixelCoordinate(row: $0.col, col: $0.row) }
    }

    private func mapped(_ h: Int, _ w: Int, _ transform: (PixelCoordinate) -> PixelCoordinate) -> GenerationOrder {
        GenerationOrder(unchecked: h, w, pixels.map(transform))
    }

    /// Variant `index` of this order, in the reference's index order: 0 base, 1 reflect_rows, 2 reflect_cols,
    /// 3 reflect_all, 4 transpose, 5 reflect_rows(transpose), 6 reflect_cols(transpose), 7 reflect_all(transpose).
    /// Throws for an index outside 0...7 and for variants 4...7 of a non-square image.
    public func variant(_ index: Int) throws -> GenerationOrder {
        guard (0..<8).contains(index) else {
            throw LMConvError.invalidArgument(reason: "generation order variant \(index) does not exist (valid: 0...7)")
        }
        let base = index < 4 ? self : try transpose()
        switch index % 4 {
        case 0: return base
        case 1: return base.reflectRows()
        case 2: return base.reflectCols()
        default: return base.reflectAll()
        }
    }

    /// The variant list of the reference's training script: for each base order name (in the given sequence), the base
    /// order changed by the options `base_order_transpose`, then `base_order_reflect_rows`, then `base_order_reflect_cols`,
    /// followed by its variants 0..<`variants` (1: the base only; 8: all of them, as with `randomize_order`).
    public static func variantList(
        baseNames: [String], height: Int, width: Int, variants: Int,
        baseTranspose: Bool = false, baseReflectRows: Bool = false, baseReflectCols: Bool = false
    ) throws -> [GenerationOrder] {
        guard !baseNames.isEmpty else { throw LMConvError.invalidArgument(reason: "no generation order given") }
        guard variants == 1 || variants == 8 else {
            throw LMConvError.invalidArgument(reason: "number of generation order variants must be 1 or 8, got \(variants)")
        }
        var result: [GenerationOrder] = []
        for name in baseNames {
            var base = try GenerationOrder(named: name, height: height, width: width)
            if baseTranspose { base = try base.transpose() }
            if baseReflectRows { base = base.reflectRows() }
            if baseReflectCols { base = base.reflectCols() }
            for i in 0..<variants { result.append(try base.variant(i)) }
        }
        return result
    }
}
