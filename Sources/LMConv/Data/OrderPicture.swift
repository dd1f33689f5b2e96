/// Pictures of generation orders: the order drawn as a path through the pixel grid.
public enum OrderPicture {
    /// The colour ramp along the path, from the first pixel (blue) to the last (red).
    static let ramp: [(Double, Double, Double)] = [(40, 60, 200), (20, 150, 170), (110, 190, 60), (240, 150, 20), (200, 30, 40)]

    /// The ramp's colour at `t` in [0, 1].
    static func colour(_ t: Double) -> [UInt8] {
        let x = min(max(t, 0), 1) * Double(ramp.count - 1)
        let i = min(Int(x), ramp.count - 2), f = x - Double(i)
        let a = ramp[i], b = ramp[i + 1]
        return [a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f].map { UInt8($0.rounded()) }
    }

    /// The cell size that makes a picture of an H x W image about 448 pixels on its longer side (at least 4).
    public static func defaultCellSize(height: Int, width: Int) -> Int { max(4, 448 / max(height, width, 1)) }

    /// An RGB picture of `order`: every pixel a `cellSize` square (faint grid lines), line segments between
    /// consecutive pixels' centres coloured from blue (first) to red (last), a large dot on the first pixel and a
    /// ring on the last.
    public static func draw(_ order: GenerationOrder, cellSize: Int? = nil) -> RGBImage {
        let s = cellSize ?? defaultCellSize(height: order.height, width: order.width)
        precondition(s >= 1, "cell size must be positive")
        let outH = order.height * s, outW = order.width * s
        var px = [UInt8](repeating: 255, count: outH * outW * 3)
        func set(_ y: Int, _ x: Int, _ c: [UInt8]) {
            guard y >= 0, y < outH, x >= 0, x < outW else { return }
            let o = (y * outW + x) * 3
            px[o] = c[0]; px[o + 1] = c[1]; px[o + 2] = c[2]
        }
        if s >= 4 {   // faint cell borders
            for y in 0..<outH { for x in 0..<outW where y % s == 0 || x % s == 0 { set(y, x, [228, 228, 228]) } }
        }
        func disk(_ cy: Double, _ cx: Double, radius r: Double, _ c: [UInt8], ring: Double? = nil) {
            for y in Int((cy - r).rounded(.down))...Int((cy + r).rounded(.up)) {
                for x in Int((cx - r).rounded(.down))...Int((cx + r).rounded(.up)) {
                    let d = ((Double(y) + 0.5 - cy) * (Double(y) + 0.5 - cy) + (Double(x) + 0.5 - cx) * (Double(x) + 0.5 - cx)).squareRoot()
                    if d <= r && (ring.map { d >= $0 } ?? true) { set(y, x, c) }
                }
            }
        }
        let n = order.count
        let half = Double(s) / 2, thickness = max(0.5, Double(s) / 8)
        func centre(_ p: PixelCoordinate) -> (Double, Double) { (Double(p.row * s) + half, Double(p.col * s) + half) }
        for i in 0..<max(n - 1, 0) {
            let (y0, x0) = centre(order.pixels[i]), (y1, x1) = centre(order.pixels[i + 1])
            let c = colour(n > 1 ? Double(i) / Double(n - 2 > 0 ? n - 2 : 1) : 0)
            let length = ((y1 - y0) * (y1 - y0) + (x1 - x0) * (x1 - x0)).squareRoot()
            let stepsAlong = max(1, Int(length * 2))
            for k in 0...stepsAlong {
                let f = Double(k) / Double(stepsAlong)
                disk(y0 + (y1 - y0) * f, x0 + (x1 - x0) * f, radius: thickness, c)
            }
        }
        if let first = order.pixels.first, let last = order.pixels.last {
            let (fy, fx) = centre(first), (ly, lx) = centre(last)
            disk(fy, fx, radius: max(1, Double(s) * 0.35), colour(0))
            disk(ly, lx, radius: max(1, Double(s) * 0.4), colour(1), ring: max(0, Double(s) * 0.4 - max(1, thickness * 1.5)))
        }
        return RGBImage(width: outW, height: outH, channels: 3, pixels: px)
    }

    /// Several orders of the same size side by side (`columns` per row; 4 by default), separated by gray bars.
    public static func draw(_ orders: [GenerationOrder], cellSize: Int? = nil, columns: Int? = nil) -> RGBImage {
        precondition(!orders.isEmpty, "no order to draw")
        let pictures = orders.map { draw($0, cellSize: cellSize) }
        if pictures.count == 1 { return pictures[0] }
        let h = pictures[0].height, w = pictures[0].width
        precondition(pictures.allSatisfy { $0.height == h && $0.width == w }, "orders of one picture must share a size")
        let planar = pictures.flatMap { $0.planar }
        return ImageGrid.compose(pixels: planar, count: pictures.count, channels: 3, height: h, width: w,
                                 columns: columns ?? min(4, pictures.count), separator: max(2, h / 40),
                                 separatorValue: 160)
    }
}
