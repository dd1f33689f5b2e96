import Foundation

// Colour scales for heat maps and the colours of plotted curves, and "nice" tick values for axes and colour bars.

/// A sequential colour map from dark (low) to bright (high), perceptually ordered: matplotlib's "inferno",
/// interpolated linearly between nine of its colours.
public enum ColourScale {
    static let anchors: [RGB] = [
        RGB(0, 0, 4), RGB(31, 12, 72), RGB(85, 15, 109), RGB(136, 34, 106), RGB(186, 54, 85),
        RGB(227, 89, 51), RGB(249, 140, 10), RGB(249, 201, 50), RGB(252, 255, 164),
    ]

    /// The colour of `t` in [0, 1] (clamped; NaN is the low end).
    public static func colour(_ t: Double) -> RGB {
        let t = t.isNaN ? 0 : min(max(t, 0), 1)
        let position = t * Double(anchors.count - 1)
        let i = min(Int(position), anchors.count - 2)
        let f = position - Double(i)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * (1 - f) + Double(b) * f).rounded()) }
        let a = anchors[i], b = anchors[i + 1]
        return RGB(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b))
    }

    /// Distinct colours for curves (matplotlib's "tab10" cycle); index i wraps around.
    public static func curveColour(_ i: Int) -> RGB {
        let cycle = [RGB(31, 119, 180), RGB(255, 127, 14), RGB(44, 160, 44), RGB(214, 39, 40), RGB(148, 103, 189),
                     RGB(140, 86, 75), RGB(227, 119, 194), RGB(127, 127, 127), RGB(188, 189, 34), RGB(23, 190, 207)]
        return cycle[((i % cycle.count) + cycle.count) % cycle.count]
    }
}

/// Tick values 0, step, 2·step, ... up to the first multiple of step >= `maximum`, with step 1, 2, 2.5 or 5 times
/// a power of ten chosen for about five intervals. `maximum` must be positive and finite.
public func niceTicks(upTo maximum: Double, intervals: Int = 5) -> [Double] {
    precondition(maximum > 0 && maximum.isFinite, "ticks need a positive finite maximum, got \(maximum)")
    let raw = maximum / Double(intervals)
    let magnitude = pow(10, floor(log10(raw)))
    let residual = raw / magnitude
    let step = magnitude * (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 2.5 ? 2.5 : residual <= 5 ? 5 : 10)
    let count = Int((maximum / step * (1 - 1e-12)).rounded(.up))
    return (0...max(count, 1)).map { Double($0) * step }
}

/// A tick value as a short label: `0`, `2.5`, `0.25`, `1000`.
public func tickLabel(_ value: Double) -> String {
    let rounded = (value * 1e6).rounded() / 1e6
    return String(format: "%g", rounded)
}
