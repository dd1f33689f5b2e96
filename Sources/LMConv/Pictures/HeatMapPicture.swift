// Pictures of per-pixel maps: each image beside its heat map, a caption under each pair, and one colour bar with
// tick values and a legend under the grid (all maps share the bar's scale).

/// Images beside their per-pixel heat maps.
public enum HeatMapPicture {
    /// One image and its map.
    public struct Panel: Sendable {
        /// Display pixels (C, H, W), C 1 or 3.
        public var pixels: [UInt8]
        /// One value per pixel, (H*W) row-major.
        public var map: [Double]
        /// Text under the pair (short: about as wide as the pair).
        public var caption: String

        public init(pixels: [UInt8], map: [Double], caption: String) {
            self.pixels = pixels
            self.map = map
            self.caption = caption
        }
    }

    /// The picture of `panels` (images of C x H x W), `columns` pairs a row, every pixel `scale` x `scale`.
    ///
    /// - Parameters:
    ///   - legend: what the colour bar measures, printed under it.
    ///   - maximum: the value at the top of the colour scale (larger values are drawn in its top colour); by default
    ///     the 99th percentile of the map values rounded up to a tick, so that a few extreme pixels do not darken
    ///     every map.
    public static func compose(panels: [Panel], channels C: Int, height H: Int, width W: Int, scale s: Int = 4,
                               columns: Int = 4, legend: String, maximum: Double? = nil) -> RGBImage {
        precondition(!panels.isEmpty && columns >= 1 && s >= 1)
        precondition(panels.allSatisfy { $0.pixels.count == C * H * W && $0.map.count == H * W })
        let margin = 10, gap = 2, pairGap = 12
        let lineHeight = BitmapFont.glyphHeight + 4
        let pairWidth = 2 * W * s + gap
        let cols = min(columns, panels.count), rows = (panels.count + cols - 1) / cols
        let cellHeight = H * s + 3 + lineHeight + 6
        let gridWidth = cols * pairWidth + (cols - 1) * pairGap
        let values = panels.flatMap(\.map).filter(\.isFinite).sorted()
        let largest = values.last ?? 0
        let percentile = values.isEmpty ? 0 : values[(99 * (values.count - 1)) / 100]
        let ticks = niceTicks(upTo: maximum ?? (percentile > 0 ? percentile : (largest > 0 ? largest : 1)))
        let top = ticks.last!

        let barWidth = min(max(gridWidth, 160), 320), barHeight = 12
        let legendWidth = BitmapFont.width(of: legend)
        let width = max(gridWidth, barWidth + BitmapFont.width(of: tickLabel(top)), legendWidth) + 2 * margin
        let barTop = margin + rows * cellHeight + 4
        let height = barTop + barHeight + 4 + lineHeight + lineHeight + margin
        var canvas = Canvas(width: width, height: height)

        for (n, panel) in panels.enumerated() {
            let x = margin + (n % cols) * (pairWidth + pairGap), y = margin + (n / cols) * cellHeight
            canvas.draw(planar: panel.pixels, channels: C, height: H, width: W, x: x, y: y, scale: s)
            let mapX = x + W * s + gap
            for q in 0..<(H * W) {
                canvas.fill(x: mapX + (q % W) * s, y: y + (q / W) * s, width: s, height: s,
                            ColourScale.colour(panel.map[q] / top))
            }
            canvas.text(String(panel.caption.prefix(pairWidth / BitmapFont.advance)), x: x, y: y + H * s + 3)
        }

        // The colour bar, its ticks and values, and the legend.
        let barLeft = margin
        for i in 0..<barWidth {
            canvas.fill(x: barLeft + i, y: barTop, width: 1, height: barHeight,
                        ColourScale.colour(Double(i) / Double(barWidth - 1)))
        }
        canvas.frame(x: barLeft - 1, y: barTop - 1, width: barWidth + 2, height: barHeight + 2, .black)
        for (i, tick) in ticks.enumerated() {
            let x = barLeft + Int((tick / top * Double(barWidth - 1)).rounded())
            canvas.fill(x: x, y: barTop + barHeight + 1, width: 1, height: 3, .black)
            var label = tickLabel(tick)
            if i == ticks.count - 1 && largest > top { label = ">" + label }
            let labelWidth = BitmapFont.width(of: label)
            canvas.text(label, x: min(max(x - labelWidth / 2, 0), width - labelWidth), y: barTop + barHeight + 5)
        }
        canvas.text(legend, x: margin, y: barTop + barHeight + 5 + lineHeight)
        return canvas.image
    }
}
