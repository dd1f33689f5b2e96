import Foundation

// A line plot of learning curves: several series (one per run) over a common x axis, axes with "nice" ticks and a
// light grid, points marked where the series is sparse, and a legend.

/// Line plots drawn as a picture.
public enum CurvePicture {
    /// One series of the plot: (x, y) points in drawing order.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    /// The plot of `series` (at least one point among them) under `title`, the plot area `plotWidth` x
    /// `plotHeight` pixels. The x axis starts at 0 (or the smallest x when that is negative); the y axis spans the
    /// data with nice ticks.
    public static func compose(series: [Series], title: String, xLabel: String, yLabel: String,
                               plotWidth: Int = 480, plotHeight: Int = 300) -> RGBImage {
        precondition(plotWidth >= 100 && plotHeight >= 60)
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let xs = all.map(\.x), ys = all.map(\.y)
        let xTicks = rangeTicks(min(xs.min() ?? 0, 0), xs.max() ?? 1)
        let yTicks = rangeTicks(ys.min() ?? 0, ys.max() ?? 1)
        let (x0, x1, y0, y1) = (xTicks.first!, xTicks.last!, yTicks.first!, yTicks.last!)
        let yLabels = yTicks.map { tickLabel($0) }
        let left = 24 + (yLabels.map { BitmapFont.width(of: $0) }.max() ?? 0) + 8, top = 30, right = 24, bottom = 44
        let width = max(left + plotWidth + right, BitmapFont.width(of: title) + 20), height = top + plotHeight + bottom
        var canvas = Canvas(width: width, height: height)
        let (spanX, spanY) = (plotWidth - 1, plotHeight - 1)
        func px(_ x: Double) -> Int { left + Int(((x - x0) / (x1 - x0) * Double(spanX)).rounded()) }
        func py(_ y: Double) -> Int { top + spanY - Int(((y - y0) / (y1 - y0) * Double(spanY)).rounded()) }

        canvas.text(title, centerX: width / 2, y: 10)
        for (i, v) in xTicks.enumerated() {
            if i > 0 && i < xTicks.count - 1 { canvas.line(px(v), py(y0), px(v), py(y1), .lightGray) }
            canvas.line(px(v), py(y0), px(v), py(y0) + 3, .black)
            canvas.text(tickLabel(v), centerX: px(v), y: py(y0) + 6)
        }
        for (i, v) in yTicks.enumerated() {
            if i > 0 && i < yTicks.count - 1 { canvas.line(px(x0), py(v), px(x1), py(v), .lightGray) }
            canvas.line(px(x0) - 3, py(v), px(x0), py(v), .black)
            canvas.text(yLabels[i], x: px(x0) - 6 - BitmapFont.width(of: yLabels[i]), y: py(v) - BitmapFont.glyphHeight / 2)
        }
        canvas.text(xLabel, centerX: px((x0 + x1) / 2), y: py(y0) + 20)
        canvas.verticalText(yLabel, x: 6, y: py((y0 + y1) / 2) + BitmapFont.width(of: yLabel) / 2)

        for (k, s) in series.enumerated() {
            let colour = ColourScale.curveColour(k)
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            for (a, b) in zip(points, points.dropFirst()) {
                canvas.line(px(a.x), py(a.y), px(b.x), py(b.y), colour, thickness: 2)
            }
            // Sparse series (test evaluations) get a marker per point; a single point would be invisible otherwise.
            if points.count <= 60 {
                for p in points { canvas.fill(x: px(p.x) - 2, y: py(p.y) - 2, width: 5, height: 5, colour) }
            }
        }
        canvas.frame(x: px(x0), y: py(y1), width: plotWidth, height: plotHeight, .black)

        // The legend, in the upper right corner of the plot (learning curves fall, so it is usually free).
        guard !series.isEmpty else { return canvas.image }
        let rowHeight = BitmapFont.glyphHeight + 5
        let boxWidth = (series.map { BitmapFont.width(of: $0.name) }.max() ?? 0) + 32
        let boxHeight = series.count * rowHeight + 6
        let boxX = px(x1) - boxWidth - 6, boxY = py(y1) + 6
        canvas.fill(x: boxX, y: boxY, width: boxWidth, height: boxHeight, .white)
        canvas.frame(x: boxX, y: boxY, width: boxWidth, height: boxHeight, .gray)
        for (k, s) in series.enumerated() {
            let y = boxY + 4 + k * rowHeight
            canvas.line(boxX + 6, y + 3, boxX + 22, y + 3, ColourScale.curveColour(k), thickness: 3)
            canvas.text(s.name, x: boxX + 28, y: y)
        }
        return canvas.image
    }

    /// Nice ticks covering [low, high]: multiples of a step of 1, 2, 2.5 or 5 times a power of ten, about five
    /// intervals, the first at or below `low` and the last at or above `high`. A degenerate range is widened.
    public static func rangeTicks(_ low: Double, _ high: Double, intervals: Int = 5) -> [Double] {
        var (lo, hi) = (min(low, high), max(low, high))
        if hi - lo < 1e-12 * max(abs(hi), 1) { (lo, hi) = (lo - max(abs(lo) * 0.05, 0.5), hi + max(abs(hi) * 0.05, 0.5)) }
        let raw = (hi - lo) / Double(intervals)
        let magnitude = pow(10, floor(log10(raw)))
        let residual = raw / magnitude
        let step = magnitude * (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 2.5 ? 2.5 : residual <= 5 ? 5 : 10)
        let first = (lo / step * (1 + 1e-12)).rounded(.down), last = (hi / step * (1 - 1e-12)).rounded(.up)
        return stride(from: first, through: max(last, first + 1), by: 1).map { $0 * step }
    }
}
