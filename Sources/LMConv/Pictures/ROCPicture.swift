// A plot of ROC curves: axes with ticks and grid, the chance diagonal, one coloured curve per score and a legend
// with each curve's AUROC.

/// ROC curves drawn as a picture.
public enum ROCPicture {
    /// One curve of the plot.
    public struct Curve: Sendable {
        public var name: String
        public var points: [ROCPoint]
        public var auroc: Double

        public init(name: String, points: [ROCPoint], auroc: Double) {
            self.name = name
            self.points = points
            self.auroc = auroc
        }

        /// The ROC curve of `metrics`, named `name`.
        public init(name: String, metrics: DetectionMetrics) {
            self.init(name: name, points: metrics.roc, auroc: metrics.auroc)
        }
    }

    /// The plot of `curves` under `title`, its square plot area `plotSize` pixels wide.
    public static func compose(curves: [Curve], title: String, plotSize: Int = 320) -> RGBImage {
        precondition(plotSize >= 60)
        let left = 52, top = 30, right = 20, bottom = 44
        let width = max(left + plotSize + right, BitmapFont.width(of: title) + 20), height = top + plotSize + bottom
        var canvas = Canvas(width: width, height: height)
        let span = plotSize - 1
        func px(_ fpr: Double) -> Int { left + Int((min(max(fpr, 0), 1) * Double(span)).rounded()) }
        func py(_ tpr: Double) -> Int { top + span - Int((min(max(tpr, 0), 1) * Double(span)).rounded()) }

        canvas.text(title, centerX: width / 2, y: 10)
        // Grid, ticks and their values every 0.2.
        for i in 0...5 {
            let v = Double(i) / 5
            if i > 0 && i < 5 {
                canvas.line(px(v), py(0), px(v), py(1), .lightGray)
                canvas.line(px(0), py(v), px(1), py(v), .lightGray)
            }
            canvas.line(px(v), py(0), px(v), py(0) + 3, .black)
            canvas.line(px(0) - 3, py(v), px(0), py(v), .black)
            let label = tickLabel(v)
            canvas.text(label, centerX: px(v), y: py(0) + 6)
            canvas.text(label, x: px(0) - 6 - BitmapFont.width(of: label), y: py(v) - BitmapFont.glyphHeight / 2)
        }
        canvas.text("false positive rate (normal called anomalous)", centerX: px(0.5), y: py(0) + 20)
        let yLabel = "true positive rate"
        canvas.verticalText(yLabel, x: 8, y: py(0.5) + BitmapFont.width(of: yLabel) / 2)
        canvas.line(px(0), py(0), px(1), py(1), .gray, dash: 4)   // chance

        for (k, curve) in curves.enumerated() {
            let colour = ColourScale.curveColour(k)
            for (a, b) in zip(curve.points, curve.points.dropFirst()) {
                canvas.line(px(a.falsePositiveRate), py(a.truePositiveRate), px(b.falsePositiveRate),
                            py(b.truePositiveRate), colour, thickness: 2)
            }
        }
        canvas.frame(x: px(0), y: py(1), width: plotSize, height: plotSize, .black)

        // The legend, in the lower right corner of the plot.
        guard !curves.isEmpty else { return canvas.image }
        let labels = curves.map { "\($0.name)  AUROC " + String(format: "%.3f", $0.auroc) }
        let rowHeight = BitmapFont.glyphHeight + 5
        let boxWidth = (labels.map { BitmapFont.width(of: $0) }.max() ?? 0) + 32
        let boxHeight = labels.count * rowHeight + 6
        let boxX = px(1) - boxWidth - 6, boxY = py(0) - boxHeight - 6
        canvas.fill(x: boxX, y: boxY, width: boxWidth, height: boxHeight, .white)
        canvas.frame(x: boxX, y: boxY, width: boxWidth, height: boxHeight, .gray)
        for (k, label) in labels.enumerated() {
            let y = boxY + 4 + k * rowHeight
            canvas.line(boxX + 6, y + 3, boxX + 22, y + 3, ColourScale.curveColour(k), thickness: 3)
            canvas.text(label, x: boxX + 28, y: y)
        }
        return canvas.image
    }
}
