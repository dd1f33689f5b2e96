import Foundation

// Pixel regions of an image: which pixels to score (conditional likelihood) or to hide and generate (completion).
// A region is row-major H*W flags, true inside the region.

/// The named boxes ``parseRegion(_:height:width:)`` knows.
public let regionNames = ["top", "bottom", "left", "right", "center"]

/// A region of an H x W image from a short description:
///
/// - `top`, `bottom`: rows 0..<H/2 or H/2..<H (integer division);
/// - `left`, `right`: columns 0..<W/2 or W/2..<W;
/// - `center`: rows H/4..<H-H/4, columns W/4..<W-W/4 (the block `s_curve_center_quarter_last` generates last);
/// - `R0:R1,C0:C1`: rows R0..<R1 and columns C0..<C1, half-open like Python slices; an omitted bound means the
///   image's edge (`:14,:` is the top 14 rows), a lone index (`3,5`) one row or column.
///
/// Throws for an unknown name, a malformed range, a range that is empty or reaches outside the image, and an empty
/// region.
public func parseRegion(_ spec: String, height: Int, width: Int) throws -> [Bool] {
    precondition(height > 0 && width > 0, "image size must be positive")
    let text = spec.trimmingCharacters(in: .whitespaces)
    let rows: Range<Int>, cols: Range<Int>
    switch text.lowercased() {
    case "top": rows = 0..<height / 2; cols = 0..<width
    case "bottom": rows = height / 2..<height; cols = 0..<width
    case "left": rows = 0..<height; cols = 0..<width / 2
    case "right": rows = 0..<height; cols = width / 2..<width
    case "center", "centre": rows = height / 4..<(height - height / 4); cols = width / 4..<(width - width / 4)
    default:
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw LMConvError.invalidArgument(reason: "region \"\(spec)\" is neither a box name (\(regionNames.joined(separator: ", "))) "
                + "nor rows and columns R0:R1,C0:C1")
        }
        rows = try parseRange(String(parts[0]), extent: height, axis: "rows", spec: spec, image: (height, width))
        cols = try parseRange(String(parts[1]), extent: width, axis: "columns", spec: spec, image: (height, width))
    }
    guard !rows.isEmpty, !cols.isEmpty else {
        throw LMConvError.invalidArgument(reason: "region \"\(spec)\" holds no pixel of the \(height)x\(width) image")
    }
    var region = [Bool](repeating: false, count: height * width)
    for r in rows { for c in cols { region[r * width + c] = true } }
    return region
}

/// One half-open range `A:B` (either bound optional) or a single index `A`, checked against 0...extent.
private func parseRange(_ text: String, extent: Int, axis: String, spec: String, image: (Int, Int)) throws -> Range<Int> {
    let t = text.trimmingCharacters(in: .whitespaces)
    func bound(_ s: Substring, default value: Int) throws -> Int {
        let s = s.trimmingCharacters(in: .whitespaces)
        if s.isEmpty { return value }
        guard let v = Int(s) else {
            throw LMConvError.invalidArgument(reason: "region \"\(spec)\": \"\(s)\" is not a \(axis.dropLast()) index")
        }
        return v
    }
    let lower: Int, upper: Int
    if let colon = t.firstIndex(of: ":") {
        lower = try bound(t[..<colon], default: 0)
        upper = try bound(t[t.index(after: colon)...], default: extent)
    } else {
        guard !t.isEmpty else {
            throw LMConvError.invalidArgument(reason: "region \"\(spec)\": the \(axis) are missing")
        }
        lower = try bound(t[...], default: 0)
        upper = lower + 1
    }
    guard lower >= 0, upper <= extent, lower < upper else {
        throw LMConvError.invalidArgument(reason: "region \"\(spec)\": \(axis) \(lower)..<\(upper) are outside the \(image.0)x\(image.1) image "
            + "(valid: 0..<\(extent), non-empty)")
    }
    return lower..<upper
}

/// The region of a mask picture: its dark pixels (luminance below 128, so black on white) are in the region.
/// Throws unless the picture is `height` x `width` and the region holds at least one pixel.
public func regionFromMask(_ image: RGBImage, height: Int, width: Int, source: String) throws -> [Bool] {
    guard image.height == height, image.width == width else {
        throw LMConvError.shapeMismatch(source: source,
                                        reason: "the mask is \(image.height)x\(image.width), the images are \(height)x\(width)")
    }
    let region = (0..<height * width).map { p -> Bool in
        if image.channels == 1 { return image.pixels[p] < 128 }
        let r = Int(image.pixels[3 * p]), g = Int(image.pixels[3 * p + 1]), b = Int(image.pixels[3 * p + 2])
        return (299 * r + 587 * g + 114 * b) / 1000 < 128
    }
    guard region.contains(true) else {
        throw LMConvError.invalidArgument(source: source, reason: "the mask has no dark pixel, so it hides nothing")
    }
    return region
}

/// A region from a description (see ``parseRegion(_:height:width:)``), `random_near_center[:RxC]` (the reference's
/// random box near the centre, drawn from `seed`: ``randomNearCenterRegion(height:width:boxRows:boxCols:rng:)``) or,
/// when `spec` names a `.png` file, from that mask picture (see ``regionFromMask(_:height:width:source:)``).
public func loadRegion(_ spec: String, height: Int, width: Int, seed: UInt64 = 0) throws -> [Bool] {
    if spec.lowercased().hasSuffix(".png") {
        return try regionFromMask(PNG.read(contentsOf: spec), height: height, width: width, source: spec)
    }
    if let region = try parseRandomNearCenter(spec, height: height, width: width, seed: seed) { return region }
    return try parseRegion(spec, height: height, width: width)
}
