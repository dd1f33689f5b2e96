/// NumPy's `.npy` format: the magic "\x93NUMPY", a version (1.0: 16-bit header length; 2.0 and 3.0: 32-bit), a
/// header that is a Python dict literal `{'descr': ..., 'fortran_order': ..., 'shape': (...)}`, then the raw array.
extension ImageDataset {
    /// Loads a uint8 `.npy` array (plain or gzip-compressed) of shape (N, H, W) (one channel), (N, C, H, W) or
    /// (N, H, W, C) with C 1 or 3, told apart by which size is 1 or 3 (an error when both are); channels-last data is
    /// transposed to (N, C, H, W).
    public static func loadNPY(path: String) throws -> ImageDataset {
        try decodeNPY(DataFile.readMaybeGzip(path), source: path)
    }

    /// Decodes the bytes of a `.npy` file; `source` names it in errors.
    public static func decodeNPY(_ bytes: [UInt8], source: String) throws -> ImageDataset {
        guard bytes.count >= 10, Array(bytes[0..<6]) == FileKind.npyMagic else {
            throw LMConvError.corruptFile(source: source, reason: "not a .npy file (it does not start with \\x93NUMPY)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else {
                throw LMConvError.corruptFile(source: source, reason: ".npy header is truncated")
            }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw LMConvError.unsupported(source: source,
                                          reason: ".npy format version \(major).\(bytes[7]) is not supported (1.0, 2.0 or 3.0)")
        }
        let dataStart = headerStart + headerLength
        guard bytes.count >= dataStart else {
            throw LMConvError.corruptFile(source: source, reason: ".npy header is truncated")
        }
        let header = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)
        let (descr, fortranOrder, shape) = try parseNPYHeader(header, source: source)

        guard ["|u1", "<u1", ">u1", "u1", "|B"].contains(descr) else {
            throw LMConvError.unsupported(source: source,
                                          reason: ".npy dtype '\(descr)' is not supported (need uint8, '|u1')")
        }
        guard !fortranOrder else {
            throw LMConvError.unsupported(source: source,
                                          reason: ".npy array is in Fortran order; save it in C order (numpy.ascontiguousarray)")
        }
        let (n, c, h, w, channelsLast) = try npyImageShape(shape, source: source)
        let expected = try DataFile.byteCount([n, c, h, w], source: source)
        let actual = bytes.count - dataStart
        if actual < expected {
            throw LMConvError.corruptFile(source: source,
                                          reason: ".npy data is truncated (shape \(shape) needs \(expected) bytes, file has \(actual))")
        }
        if actual > expected {
            throw LMConvError.corruptFile(source: source,
                                          reason: ".npy file has \(actual - expected) bytes past the \(expected) its shape \(shape) needs")
        }
        let data = bytes[dataStart...]
        guard channelsLast, c > 1 else {
            return ImageDataset(count: n, channels: c, height: h, width: w, pixels: Array(data))
        }
        // (N, H, W, C) -> (N, C, H, W).
        var pixels = [UInt8](repeating: 0, count: expected)
        let plane = h * w
        data.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let base = i * plane * c
                    for p in 0..<plane {
                        for ch in 0..<c { dst[base + ch * plane + p] = src[base + p * c + ch] }
                    }
                }
            }
        }
        return ImageDataset(count: n, channels: c, height: h, width: w, pixels: pixels)
    }

    private static func npyImageShape(
        _ shape: [Int], source: String
    ) throws -> (n: Int, c: Int, h: Int, w: Int, channelsLast: Bool) {
        let result: (Int, Int, Int, Int, Bool)
        let firstIsChannels = shape.count == 4 && (shape[1] == 1 || shape[1] == 3)
        let lastIsChannels = shape.count == 4 && (shape[3] == 1 || shape[3] == 3)
        switch shape.count {
        case 3:
            result = (shape[0], 1, shape[1], shape[2], false)
        case 4 where firstIsChannels && lastIsChannels:
            throw LMConvError.unsupported(source: source, reason:
                ".npy shape \(shape) is ambiguous: it could be (N, C, H, W) or (N, H, W, C)")
        case 4 where firstIsChannels:
            result = (shape[0], shape[1], shape[2], shape[3], false)
        case 4 where lastIsChannels:
            result = (shape[0], shape[3], shape[1], shape[2], true)
        default:
            throw LMConvError.unsupported(source: source, reason:
                ".npy shape \(shape) is not images: need (N, H, W), (N, C, H, W) or (N, H, W, C) with C 1 or 3")
        }
        guard result.2 > 0, result.3 > 0 else {
            throw LMConvError.corruptFile(source: source, reason: ".npy images have an empty size, shape \(shape)")
        }
        return result
    }

    /// Parses the dict literal numpy writes, e.g. `{'descr': '|u1', 'fortran_order': False, 'shape': (4, 28, 28), }`.
    private static func parseNPYHeader(
        _ header: String, source: String
    ) throws -> (descr: String, fortranOrder: Bool, shape: [Int]) {
        func value(of key: String) throws -> Substring {
            for quote in ["'", "\""] {
                if let k = header.range(of: quote + key + quote) {
                    let rest = header[k.upperBound...].drop { $0 == " " }
                    guard rest.first == ":" else { break }
                    return rest.dropFirst().drop { $0 == " " }
                }
            }
            throw LMConvError.corruptFile(source: source, reason: ".npy header has no '\(key)' entry")
        }
        let descrValue = try value(of: "descr")
        guard let quote = descrValue.first, quote == "'" || quote == "\"",
              let end = descrValue.dropFirst().firstIndex(of: quote)
        else {
            throw LMConvError.unsupported(source: source,
                                          reason: ".npy header 'descr' is not a string (a structured dtype is not supported)")
        }
        let descr = String(descrValue[descrValue.index(after: descrValue.startIndex)..<end])

        let fortranValue = try value(of: "fortran_order")
        let fortranOrder: Bool
        if fortranValue.hasPrefix("True") { fortranOrder = true }
        else if fortranValue.hasPrefix("False") { fortranOrder = false }
        else {
            throw LMConvError.corruptFile(source: source,
                                          reason: ".npy header 'fortran_order' is neither True nor False")
        }

        let shapeValue = try value(of: "shape")
        guard shapeValue.first == "(", let close = shapeValue.firstIndex(of: ")") else {
            throw LMConvError.corruptFile(source: source, reason: ".npy header 'shape' is not a tuple")
        }
        var shape = [Int]()
        for part in shapeValue[shapeValue.index(after: shapeValue.startIndex)..<close].split(separator: ",") {
            let t = part.trimmed(of: " \t\nL")
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else {
                throw LMConvError.corruptFile(source: source, reason: ".npy header 'shape' has a bad size '\(t)'")
            }
            shape.append(v)
        }
        return (descr, fortranOrder, shape)
    }
}

private extension Substring {
    func trimmed(of set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
