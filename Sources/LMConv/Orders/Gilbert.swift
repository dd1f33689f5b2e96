// Jakub Červený's generalized Hilbert ("gilbert") curve for any rectangle, as vendored by the reference
// (gilbert2d.py, BSD 2-clause). Python's floor division (//) is kept: the direction vectors can be negative.

extension GenerationOrder {
    /// The gilbert curve, called as the reference does with width = H (rows) and height = W (cols);
    /// each emitted (x, y) is the pixel (row = x, col = y).
    public static func gilbert2d(height: Int, width: Int) throws -> GenerationOrder {
        try checkSize(height: height, width: width)
        var points: [PixelCoordinate] = []
        points.reserveCapacity(height * width)
        // gilbert2d_idx(width: H, height: W): the major axis is the longer side.
        if height >= width {
            gilbert(x: 0, y: 0, ax: height, ay: 0, bx: 0, by: width, into: &points)
        } else {
            gilbert(x: 0, y: 0, ax: 0, ay: width, bx: height, by: 0, into: &points)
        }
        return GenerationOrder(unchecked: height, width, points)
    }
}

private func sign(_ v: Int) -> Int { v > 0 ? 1 : (v < 0 ? -1 : 0) }

/// Python's `a // 2`, rounding toward negative infinity.
private func floorHalf(_ a: Int) -> Int { a >> 1 }

/// Fills the rectangle spanned from (x, y) by the major direction (ax, ay) and the orthogonal direction (bx, by).
private func gilbert(x: Int, y: Int, ax: Int, ay: Int, bx: Int, by: Int, into points: inout [PixelCoordinate]) {
    let w = abs(ax + ay)
    let h = abs(bx + by)
    let (dax, day) = (sign(ax), sign(ay))  // unit major direction
    let (dbx, dby) = (sign(bx), sign(by))  // unit orthogonal direction

    if h == 1 {  // trivial row fill
        for i in 0..<w { points.append(PixelCoordinate(row: x + i * dax, col: y + i * day)) }
        return
    }
    if w == 1 {  // trivial column fill
        for i in 0..<h { points.append(PixelCoordinate(row: x + i * dbx, col: y + i * dby)) }
        return
    }

    var (ax2, ay2) = (floorHalf(ax), floorHalf(ay))
    var (bx2, by2) = (floorHalf(bx), floorHalf(by))
    let w2 = abs(ax2 + ay2)
    let h2 = abs(bx2 + by2)

    if 2 * w > 3 * h {
        if w2 % 2 != 0 && w > 2 {  // prefer even steps
            (ax2, ay2) = (ax2 + dax, ay2 + day)
        }
        // Long case: split in two parts only.
        gilbert(x: x, y: y, ax: ax2, ay: ay2, bx: bx, by: by, into: &points)
        gilbert(x: x + ax2, y: y + ay2, ax: ax - ax2, ay: ay - ay2, bx: bx, by: by, into: &points)
    } else {
        if h2 % 2 != 0 && h > 2 {  // prefer even steps
            (bx2, by2) = (bx2 + dbx, by2 + dby)
        }
        // Standard case: one step up, one long horizontal, one step down.
        gilbert(x: x, y: y, ax: bx2, ay: by2, bx: ax2, by: ay2, into: &points)
        gilbert(x: x + bx2, y: y + by2, ax: ax, ay: ay, bx: bx - bx2, by: by - by2, into: &points)
        gilbert(x: x + (ax - dax) + (bx2 - dbx), y: y + (ay - day) + (by2 - dby),
                ax: -bx2, ay: -by2, bx: -(ax - ax2), by: -(ay - ay2), into: &points)
    }
}
