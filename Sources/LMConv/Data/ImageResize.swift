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
    /// For one axis: each output index's first source index and the weights of the source indices from there.
    struct AxisWeights {
        var first: [Int]
        var weights: [[Double]]

        init(from n: Int, to m: Int, method: ResizeMethod) {
            first = []
            weights = []
            let scale = Double(n) / Double(m)
            for i in 0..<m {
                switch method {
                case .area:
                    // Output i covers [i * scale, (i + 1) * scale) of the source axis.
                    let lo = Double(i) * scale, hi = Double(i + 1) * scale
                    let j0 = Int(lo.rounded(.down)), j1 = min(n, Int(hi.rounded(.up)))
                    var w = (j0..<j1).map { j in (min(Double(j + 1), hi) - max(Double(j), lo)) / scale }
                    let total = w.reduce(0, +)
                    w = w.map { $0 / total }    // sums to exactly 1 up to rounding
                    first.append(j0)
                    weights.append(w)
                case .bilinear:
                    // torch's area_pixel_compute_source_index: centre-aligned, clamped at 0.
                    let src = max((Double(i) + 0.5) * scale - 0.5, 0)
                    let j0 = min(Int(src.rounded(.down)), n - 1)
                    let lambda = min(max(src - Double(j0), 0), 1)
                    if j0 < n - 1 {
                        first.append(j0)
                        weights.append([1 - lambda, lambda])
                    } else {
                        first.append(n - 1)
                        weights.append([1])
                    }
                }
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
        public func apply<C: Collection>(_ pixels: C, planes: Int) -> [UInt8] where C.Element == UInt8, C.Index == Int {
            let (h, w, H, W) = (source.height, source.width, target.height, target.width)
            precondition(pixels.count == planes * h * w, "pixel count does not match \(planes) planes of \(source)")
            var out = [UInt8](repeating: 0, count: planes * H * W)
            if source == target {
                out.withUnsafeMutableBufferPointer { o in for (i, v) in pixels.enumerated() { o[i] = v } }
                return out
            }
            var horizontal = [Double](repeating: 0, count: h * W)   // (h, W): one plane resized along rows
            let base = pixels.startIndex
            for p in 0..<planes {
                let src = base + p * h * w
                for y in 0..<h {
                    for x in 0..<W {
                        var s = 0.0
                        let j0 = columns.first[x]
                        for (k, wt) in columns.weights[x].enumerated() { s += wt * Double(pixels[src + y * w + j0 + k]) }
                        horizontal[y * W + x] = s
                    }
                }
                let dst = p * H * W
                for y in 0..<H {
                    let i0 = rows.first[y]
                    let wts = rows.weights[y]
                    for x in 0..<W {
                        var s = 0.0
                        for (k, wt) in wts.enumerated() { s += wt * horizontal[(i0 + k) * W + x] }
                        out[dst + y * W + x] = UInt8(min(max((s + 1e-9).rounded(.toNearestOrAwayFromZero), 0), 255))
                    }
                }
            }
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
