import Foundation

/// An image size in pixels, written `HxW` (rows x columns), e.g. `64x64`.
public struct ImageSize: Sendable, Hashable, CustomStringConvertible {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        precondition(height > 0 && width > 0, "an image size is positive")
        self.height = height
        self.width = width
    }

    /// `N` (a square) or `HxW`; nil unless both are positive integers up to 65535.
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let h = Int(parts[0]), let w = Int(parts.last!),
              (1...65535).contains(h), (1...65535).contains(w) else { return nil }
        self.init(height: h, width: w)
    }

    public var description: String { "\(height)x\(width)" }
}

/// How ``ImageResampling`` computes a resized pixel.
public enum ResizeMethod: String, Sendable, CaseIterable {
    /// The mean of the source pixels the output pixel covers, each weighted by the fraction of it that is covered
    /// (a box filter; OpenCV's `INTER_AREA` and PIL's `BOX` when shrinking). Preserves means; the choice for shrinking.
    case area
    /// Bilinear interpolation between the four nearest source pixels, sampled at pixel centres: PyTorch's
    /// `F.interpolate(mode='bilinear', align_corners=False)` without antialiasing.
    case bilinear
}

/// Resizing 8-bit image planes. Both methods are separable: one set of weights per output column and one per output
/// row, applied in Double; results are rounded to the nearest integer (halves up) and clamped to 0...255.
public enum ImageResampling {
    /// For one axis: output i is Σ_k weights[i * taps + k] * source[first[i] + k]. Every output has the same
    /// number of taps (short ones padded with zero weights, shifted to stay inside the source).
    struct AxisWeights: Sendable {
        var first: [Int]
        var weights: [Double]
        var taps: Int

        init(from n: Int, to m: Int, method: ResizeMethod) {
            var rows: [(first: Int, weights: [Double])] = []
            let scale = Double(n) / Double(m)
            for i in 0..<m {
                switch method {
                case .area:
                    // Output i covers [i * scale, (i + 1) * scale) of the source axis.
                    let lo = Double(i) * scale, hi = Double(i + 1) * scale
                    let j0 = Int(lo.rounded(.down)), j1 = min(n, Int(hi.rounded(.up)))
                    let w = (j0..<j1).map { j in min(Double(j + 1), hi) - max(Double(j), lo) }
                    let total = w.reduce(0, +)
                    rows.append((j0, w.map { $0 / total }))    // sums to 1 up to rounding
                case .bilinear:
                    // torch's area_pixel_compute_source_index: centre-aligned, clamped at 0.
                    let src = max((Double(i) + 0.5) * scale - 0.5, 0)
                    let j0 = min(Int(src.rounded(.down)), n - 1)
                    let lambda = min(max(src - Double(j0), 0), 1)
                    rows.append(j0 < n - 1 ? (j0, [1 - lambda, lambda]) : (n - 1, [1]))
                }
            }
            taps = rows.map(\.weights.count).max() ?? 1    // never more than n
            first = []
            weights = []
            for row in rows {
                let shift = max(0, row.first + taps - n)
                first.append(row.first - shift)
                weights += [Double](repeating: 0, count: shift) + row.weights
                    + [Double](repeating: 0, count: taps - shift - row.weights.count)
            }
        }
    }

    /// Precomputed weights for resizing planes of one size to another.
    public struct Plan: Sendable {
        public let source: ImageSize
        public let target: ImageSize
        public let method: ResizeMethod
        let columns: AxisWeights
        let rows: AxisWeights

        public init(from source: ImageSize, to target: ImageSize, method: ResizeMethod) {
            self.source = source
            self.target = target
            self.method = method
            columns = AxisWeights(from: source.width, to: target.width, method: method)
            rows = AxisWeights(from: source.height, to: target.height, method: method)
        }

        /// Resizes `planes` consecutive planes of `pixels`, each source.height x source.width, row-major; the
        /// result holds `planes` planes of target.height x target.width.
        public func apply<C: Collection>(_ pixels: C, planes: Int) -> [UInt8] where C.Element == UInt8 {
            let (h, w, H, W) = (source.height, source.width, target.height, target.width)
            precondition(pixels.count == planes * h * w, "pixel count does not match \(planes) planes of \(source)")
            if source == target { return Array(pixels) }
            var out = [UInt8](repeating: 0, count: planes * H * W)
            var horizontal = [Double](repeating: 0, count: h * W)   // (h, W): one plane resized along rows
            var accumulator = [Double](repeating: 0, count: W)      // one output row
            let (kx, ky) = (columns.taps, rows.taps)
            let run = { (src: UnsafeBufferPointer<UInt8>) in
                out.withUnsafeMutableBufferPointer { dst in
                    horizontal.withUnsafeMutableBufferPointer { hz in
                        accumulator.withUnsafeMutableBufferPointer { acc in
                            columns.first.withUnsafeBufferPointer { fx in
                            columns.weights.withUnsafeBufferPointer { wx in
                            rows.first.withUnsafeBufferPointer { fy in
                            rows.weights.withUnsafeBufferPointer { wy in
                                for p in 0..<planes {
                                    let plane = p * h * w
                                    for y in 0..<h {
                                        let row = plane + y * w
                                        for x in 0..<W {
                                            var s = 0.0
                                            for k in 0..<kx { s += wx[x * kx + k] * Double(src[row + fx[x] + k]) }
                                            hz[y * W + x] = s
                                        }
                                    }
                                    for y in 0..<H {
                                        for x in 0..<W { acc[x] = 0 }
                                        for k in 0..<ky {
                                            let weight = wy[y * ky + k], line = (fy[y] + k) * W
                                            for x in 0..<W { acc[x] += weight * hz[line + x] }
                                        }
                                        let o = (p * H + y) * W
                                        for x in 0..<W {
                                            // Halves round up; the tiny offset keeps a 2.5 computed as 2.4999...
                                            // from rounding down.
                                            dst[o + x] = UInt8(min(max((acc[x] + 0.5 + 1e-9).rounded(.down), 0), 255))
                                        }
                                    }
                                }
                            }}}}
                        }
                    }
                }
            }
            if pixels.withContiguousStorageIfAvailable(run) == nil { Array(pixels).withUnsafeBufferPointer(run) }
            return out
        }
    }

    /// `planes` planes of `pixels` (each `source`, row-major) resized to `target`.
    public static func resize<C: Collection>(
        _ pixels: C, planes: Int, from source: ImageSize, to target: ImageSize, method: ResizeMethod
    ) -> [UInt8] where C.Element == UInt8, C.Index == Int {
        Plan(from: source, to: target, method: method).apply(pixels, planes: planes)
    }
}

extension ImageDataset {
    /// Every image resized to `size` (no cropping: the aspect ratio changes if the sizes' ratios differ).
    public func resized(to size: ImageSize, method: ResizeMethod) -> ImageDataset {
        let plan = ImageResampling.Plan(from: ImageSize(height: height, width: width), to: size, method: method)
        return ImageDataset(count: count, channels: channels, height: size.height, width: size.width,
                            pixels: plan.apply(pixels, planes: count * channels), labels: labels)
    }
}
