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
    /// followed by its variants 0..<`variants` (1: the base only; 8: all of them, as with `randomize_order`). On a
    /// non-square H x W image (where the reference has no transpose), variants 4-7 are the base order of the W x H
    /// image transposed onto H x W, then reflected as variants 0-3 are.
    public static func variantList(
        baseNames: [String], height: Int, width: Int, variants: Int,
        baseTranspose: Bool = false, baseReflectRows: Bool = false, baseReflectCols: Bool = false
    ) throws -> [GenerationOrder] {
        guard !baseNames.isEmpty else { throw LMConvError.invalidArgument(reason: "no generation order given") }
        guard variants == 1 || variants == 8 else {
            throw LMConvError.invalidArgument(reason: "number of generation order variants must be 1 or 8, got \(variants)")
        }
        func baseOrder(_ name: String, _ h: Int, _ w: Int) throws -> GenerationOrder {
            var base = try GenerationOrder(named: name, height: h, width: w)
            if baseTranspose { base = try base.transpose() }
            if baseReflectRows { base = base.reflectRows() }
            if baseReflectCols { base = base.reflectCols() }
            return base
        }
        var result: [GenerationOrder] = []
        for name in baseNames {
            let base = try baseOrder(name, height, width)
            // On a non-square image, variants 4-7 transpose the base order of the W x H image onto this one (on a
            // square image that is the reference's transpose).
            let transposed = variants > 4 && height != width
                ? GenerationOrder(unchecked: height, width, try baseOrder(name, width, height).pixels.map {
                    PixelCoordinate(row: $0.col, col: $0.row)
                }) : nil
            for i in 0..<variants {
                guard i >= 4, let transposed else { result.append(try base.variant(i)); continue }
                result.append(try transposed.variant(i - 4))
            }
        }
        return result
    }
}
