// The scan-line orders of SPEC section 1: raster, S-curve and S-curve with the centre block last.

extension GenerationOrder {
    /// Rows top to bottom, each row left to right.
    public static func rasterScan(height: Int, width: Int) throws -> GenerationOrder {
        try checkSize(height: height, width: width)
        let pixels = (0..<height).flatMap { r in (0..<width).map { PixelCoordinate(row: r, col: $0) } }
        return GenerationOrder(unchecked: height, width, pixels)
    }

    /// Like raster scan, but odd rows (1, 3, ...) run right to left.
    public static func sCurve(height: Int, width: Int) throws -> GenerationOrder {
        try checkSize(height: height, width: width)
        let pixels = (0..<height).flatMap { r in
            (r % 2 == 0 ? Array(0..<width) : Array((0..<width).reversed())).map { PixelCoordinate(row: r, col: $0) }
        }
        return GenerationOrder(unchecked: height, width, pixels)
    }

    /// `s_curve` with the centre block (rows H/4 ..< H - H/4, cols W/4 ..< W - W/4) moved to the end,
    /// both parts keeping their relative order (for inpainting the centre).
    public static func sCurveCenterQuarterLast(height: Int, width: Int) throws -> GenerationOrder {
        let base = try sCurve(height: height, width: width)
        let rows = (height / 4)..<(height - height / 4)
        let cols = (width / 4)..<(width - width / 4)
        let inCentre = { (p: PixelCoordinate) in rows.contains(p.row) && cols.contains(p.col) }
        let pixels = base.pixels.filter { !inCentre($0) } + base.pixels.filter(inCentre)
        return GenerationOrder(unchecked: height, width, pixels)
    }
}
