/// The order in which an autoregressive model generates the pixels of an H x W image (SPEC section 1):
/// a permutation of all H*W coordinates, first generated first.
public struct GenerationOrder: Sendable, Equatable {
    /// Image rows.
    public let height: Int
    /// Image columns.
    public let width: Int
    /// Every pixel exactly once, in generation order; count height * width.
    public let pixels: [PixelCoordinate]

    /// An explicit order. Throws unless `pixels` lists every pixel of the height x width image exactly once.
    public init(height: Int, width: Int, pixels: [PixelCoordinate]) throws {
        try Self.checkSize(height: height, width: width)
        guard pixels.count == height * width else {
            throw LMConvError.invalidArgument(reason: "generation order for a \(height)x\(width) image has \(pixels.count) pixels, expected \(height * width)")
        }
        var seen = [Bool](repeating: false, count: height * width)  // row-major
        for (step, pixel) in pixels.enumerated() {
            guard (0..<height).contains(pixel.row), (0..<width).contains(pixel.col) else {
                throw LMConvError.invalidArgument(reason: "generation order step \(step): pixel \(pixel) is outside the \(height)x\(width) image")
            }
            guard !seen[pixel.row * width + pixel.col] else {
                throw LMConvError.invalidArgument(reason: "generation order step \(step): pixel \(pixel) appears twice")
            }
            seen[pixel.row * width + pixel.col] = true
        }
        self.init(unchecked: height, width, pixels)
    }

    /// An order from a flat list of (row, col) pairs, as stored in safetensors files (int64, N x 2).
    public init(height: Int, width: Int, rowColPairs: [Int64]) throws {
        guard rowColPairs.count % 2 == 0 else {
            throw LMConvError.invalidArgument(reason: "generation order tensor has \(rowColPairs.count) values, not (row, col) pairs")
        }
        let pixels = stride(from: 0, to: rowColPairs.count, by: 2).map {
            PixelCoordinate(row: Int(rowColPairs[$0]), col: Int(rowColPairs[$0 + 1]))
        }
        try self.init(height: height, width: width, pixels: pixels)
    }

    /// For constructors that produce a permutation by construction.
    init(unchecked height: Int, _ width: Int, _ pixels: [PixelCoordinate]) {
        assert(pixels.count == height * width)
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    static func checkSize(height: Int, width: Int) throws {
        guard height > 0, width > 0 else {
            throw LMConvError.invalidArgument(reason: "generation order needs a positive image size, got \(height)x\(width)")
        }
    }

    /// The orders `init(named:height:width:)` knows, by their reference names.
    public static let names = ["raster_scan", "s_curve", "hilbert", "gilbert2d", "s_curve_center_quarter_last"]

    /// A base order by its reference name (one of `names`). Throws for an unknown name, listing the valid ones,
    /// and for `hilbert` on an image that is not square with a power-of-two side.
    public init(named name: String, height: Int, width: Int) throws {
        switch name {
        case "raster_scan": self = try .rasterScan(height: height, width: width)
        case "s_curve": self = try .sCurve(height: height, width: width)
        case "hilbert": self = try .hilbert(height: height, width: width)
        case "gilbert2d": self = try .gilbert2d(height: height, width: width)
        case "s_curve_center_quarter_last": self = try .sCurveCenterQuarterLast(height: height, width: width)
        default:
            throw LMConvError.invalidArgument(reason: "unknown generation order \"\(name)\" (valid: \(Self.names.joined(separator: ", ")))")
        }
    }

    /// The number of pixels, height * width.
    public var count: Int { pixels.count }

    /// For each pixel step in the order, its row-major index r * width + c.
    public var rowMajorIndices: [Int] { pixels.map { $0.row * width + $0.col } }

    /// For each row-major pixel index r * width + c, the step at which the order generates it (0 first); count height * width.
    public var positions: [Int] {
        var result = [Int](repeating: 0, count: count)
        for (step, pixel) in pixels.enumerated() { result[pixel.row * width + pixel.col] = step }
        return result
    }

    /// The order as flat (row, col) pairs, N x 2 row-major, as stored in safetensors files.
    public var rowColPairs: [Int64] { pixels.flatMap { [Int64($0.row), Int64($0.col)] } }
}
