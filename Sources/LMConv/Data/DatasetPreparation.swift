import Foundation

/// What is done to every image while a dataset is loaded, in this sequence:
///
/// 1. `channels`: RGB becomes gray by ITU-R 601 luma, as PIL's `convert("L")` computes it
///    ((19595 R + 38470 G + 7471 B + 2^15) >> 16); gray becomes RGB by copying it to the three channels.
/// 2. `size`: the largest centred region with the target's aspect ratio is cut out (nothing when the ratios agree),
///    then resized to `size` by `method`, or when that is nil by ``ResizeMethod/area`` when shrinking and
///    ``ResizeMethod/bilinear`` when enlarging (in either direction).
/// 3. `nBits`: each pixel v keeps only its top n bits, level = v >> (8 - n), stored as the 8-bit value that shows
///    that level, round(level * 255 / (2^n - 1)) (so 5 bits: 0, 8, 16, ..., 255). A model with the same n_bits
///    quantises these back to exactly those levels; this is the paper's reduction of CelebA-HQ to 5 bits.
///
/// As text (after `@` in a dataset source, see ``ImageDataset/load(source:split:)``): comma-separated `N` or `HxW`,
/// `gray` or `rgb`, `bitsN`, `area` or `bilinear`; e.g. `64,bits5` or `32x32,gray`.
public struct DatasetPreparation: Sendable, Hashable, CustomStringConvertible {
    /// The size of the prepared images, nil to keep each image's own.
    public var size: ImageSize?
    /// 1 or 3, nil to keep each image's own.
    public var channels: Int?
    /// 1...8 bits to keep, nil for all 8.
    public var nBits: Int?
    /// How to resize, nil to choose by direction.
    public var method: ResizeMethod?

    public init(size: ImageSize? = nil, channels: Int? = nil, nBits: Int? = nil, method: ResizeMethod? = nil) {
        precondition(channels == nil || channels == 1 || channels == 3, "images have 1 or 3 channels")
        precondition(nBits == nil || (1...8).contains(nBits!), "n_bits must be 1...8")
        self.size = size
        self.channels = channels
        self.nBits = nBits
        self.method = method
    }

    /// Nothing to do.
    public static let none = DatasetPreparation()

    public var isNone: Bool { self == .none }

    /// Parses the text form, e.g. `64x64,gray,bits5`; `context` names where it came from in errors.
    public init(parsing text: String, context: String) throws {
        self.init()
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = raw.trimmingCharacters(in: .whitespaces).lowercased()
            func once<T>(_ current: T?, _ what: String) throws {
                guard current == nil else { throw LMConvError.invalidArgument(source: context, reason: "\(what) is given twice in '\(text)'") }
            }
            if let s = ImageSize(parsing: item) {
                try once(size, "the size"); size = s
            } else if item == "gray" || item == "grey" || item == "rgb" {
                try once(channels, "gray/rgb"); channels = item == "rgb" ? 3 : 1
            } else if item.hasPrefix("bits"), let n = Int(item.dropFirst(4)), (1...8).contains(n) {
                try once(nBits, "bitsN"); nBits = n
            } else if let m = ResizeMethod(rawValue: item) {
                try once(method, "the resize method"); method = m
            } else {
                throw LMConvError.shapeMismatch(source: context, reason: "'\(item)' is not a preparation (expected a size like 64 or 64x48, gray, "
                    + "rgb, bits1...bits8, area or bilinear, separated by commas)")
            }
        }
    }

    /// The text form, items in a fixed sequence (size, channels, bits, method).
    public var description: String {
        var items: [String] = []
        if let size { items.append(size.description) }
        if let channels { items.append(channels == 1 ? "gray" : "rgb") }
        if let nBits { items.append("bits\(nBits)") }
        if let method { items.append(method.rawValue) }
        return items.joined(separator: ",")
    }

    /// The centred region of an image of size `source` that has the aspect ratio of `target`.
    public static func centreCrop(_ source: ImageSize, aspectOf target: ImageSize)
        -> (top: Int, left: Int, size: ImageSize)
    {
        let (h, w) = (source.height, source.width)
        var (ch, cw) = (h, w)
        if w * target.height > h * target.width {    // source is wider: trim the sides
            cw = max(1, min(w, Int((Double(h) * Double(target.width) / Double(target.height)).rounded())))
        } else if w * target.height < h * target.width {    // taller: trim top and bottom
            ch = max(1, min(h, Int((Double(w) * Double(target.height) / Double(target.width)).rounded())))
        }
        return ((h - ch) / 2, (w - cw) / 2, ImageSize(height: ch, width: cw))
    }

    /// The gray level PIL's `convert("L")` gives an RGB pixel.
    @inline(__always)
    public static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let red = 19595 * Int(r), green = 38470 * Int(g), blue = 7471 * Int(b)
        return UInt8((red + green + blue + 0x8000) >> 16)
    }

    /// v reduced to `nBits` bits and shown as 8 bits (step 3 above).
    @inline(__always)
    public static func reducedPixel(_ v: UInt8, nBits: Int) -> UInt8 {
        let top = (1 << nBits) - 1
        let level = Int(v) >> (8 - nBits)
        return UInt8((level * 255 + top / 2) / top)   // round(level * 255 / top); top is odd, so no ties
    }

    /// One image, planar (C, H, W) with C 1 or 3, prepared; the result is planar too.
    public func prepare<C: Collection>(planar pixels: C, channels c: Int, size: ImageSize)
        -> (channels: Int, size: ImageSize, pixels: [UInt8]) where C.Element == UInt8, C.Index == Int
    {
        let plane = size.height * size.width
        precondition(pixels.count == c * plane, "pixel count does not match \(c) x \(size)")
        var current = Array(pixels)
        var currentChannels = c
        if let wanted = channels, wanted != c {
            if wanted == 1 {
                current = (0..<plane).map { p in Self.luma(current[p], current[plane + p], current[2 * plane + p]) }
            } else {
                current = current + current + current
            }
            currentChannels = wanted
        }
        var currentSize = size
        if let target = self.size, target != size {
            let crop = Self.centreCrop(size, aspectOf: target)
            if crop.size != size {
                var cropped = [UInt8]()
                cropped.reserveCapacity(currentChannels * crop.size.height * crop.size.width)
                for ch in 0..<currentChannels {
                    for y in crop.top..<(crop.top + crop.size.height) {
                        let row = ch * plane + y * size.width + crop.left
                        cropped += current[row..<(row + crop.size.width)]
                    }
                }
                current = cropped
            }
            let shrinking = target.height <= crop.size.height && target.width <= crop.size.width
            let plan = ImageResampling.Plan(from: crop.size, to: target,
                                            method: method ?? (shrinking ? .area : .bilinear))
            current = plan.apply(current, planes: currentChannels)
            currentSize = target
        }
        if let nBits, nBits < 8 {
            for i in current.indices { current[i] = Self.reducedPixel(current[i], nBits: nBits) }
        }
        return (currentChannels, currentSize, current)
    }

    /// Every image of `dataset` prepared (labels kept).
    public func apply(to dataset: ImageDataset) -> ImageDataset {
        guard !isNone else { return dataset }
        var collector = PreparedImages()
        let size = ImageSize(height: dataset.height, width: dataset.width)
        for i in 0..<dataset.count {
            let p = prepare(planar: dataset.image(i), channels: dataset.channels, size: size)
            // Every image gets the same size and channels, so adding cannot fail.
            try! collector.add(p.pixels, channels: p.channels, size: p.size, label: dataset.labels?[i], source: "")
        }
        return collector.dataset()
    }
}
