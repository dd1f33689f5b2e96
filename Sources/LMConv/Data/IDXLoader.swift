/// The IDX format of MNIST and Fashion-MNIST: a magic number 00 00 08 <ndims> (08 = unsigned byte), ndims big-endian
/// 32-bit sizes, then the data. Images are 3-dimensional (N, H, W), labels 1-dimensional (N).
extension ImageDataset {
    /// Loads IDX images (magic 0x00000803), plain or gzip-compressed, as one-channel images, with the labels of
    /// `labelsPath` (magic 0x00000801) when given.
    public static func loadIDX(images imagesPath: String, labels labelsPath: String? = nil) throws -> ImageDataset {
        try decodeIDX(DataFile.readMaybeGzip(imagesPath), source: imagesPath, labels: labelsPath)
    }

    /// Decodes the (decompressed) bytes of an IDX image file; `source` names it in errors.
    static func decodeIDX(_ bytes: [UInt8], source: String, labels labelsPath: String?) throws -> ImageDataset {
        let (dims, offset) = try idxHeader(bytes, source: source, expectedDims: 3, kind: "images")
        let (n, h, w) = (dims[0], dims[1], dims[2])
        guard h > 0, w > 0 else {
            throw LMConvError.corruptFile(source: source, reason: "IDX images have an empty size \(h)x\(w)")
        }
        try idxCheckSize(bytes, offset: offset, expected: DataFile.byteCount(dims, source: source), source: source)
        let labels = try labelsPath.map { try loadIDXLabels($0, expectedCount: n) }
        return ImageDataset(count: n, channels: 1, height: h, width: w, pixels: Array(bytes[offset...]), labels: labels)
    }

    /// Loads IDX labels (magic 0x00000801), plain or gzip-compressed; `expectedCount` is the number of images.
    static func loadIDXLabels(_ path: String, expectedCount: Int) throws -> [Int] {
        let bytes = try DataFile.readMaybeGzip(path)
        let (dims, offset) = try idxHeader(bytes, source: path, expectedDims: 1, kind: "labels")
        guard dims[0] == expectedCount else {
            throw LMConvError.shapeMismatch(source: path,
                                            reason: "holds \(dims[0]) labels but the image file holds \(expectedCount) images")
        }
        try idxCheckSize(bytes, offset: offset, expected: dims[0], source: path)
        return bytes[offset...].map { Int($0) }
    }

    private static func idxHeader(
        _ bytes: [UInt8], source: String, expectedDims: Int, kind: String
    ) throws -> (dims: [Int], offset: Int) {
        guard bytes.count >= 4 else {
            throw LMConvError.corruptFile(source: source, reason: "too short for an IDX file (\(bytes.count) bytes)")
        }
        let magic = bytes[0..<4].map(DataFile.hex).joined()
        let wanted = "000008" + DataFile.hex(UInt8(expectedDims))
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw LMConvError.corruptFile(source: source,
                                          reason: "not an IDX file (magic 0x\(magic), expected 0x\(wanted) for \(kind))")
        }
        guard bytes[2] == 0x08 else {
            throw LMConvError.unsupported(source: source,
                                          reason: "IDX element type 0x\(DataFile.hex(bytes[2])) is not supported (need unsigned byte, 0x08)")
        }
        guard Int(bytes[3]) == expectedDims else {
            throw LMConvError.corruptFile(source: source,
                                          reason: "IDX magic 0x\(magic) has \(bytes[3]) dimensions, expected \(expectedDims) for \(kind) (0x\(wanted))")
        }
        let offset = 4 + 4 * expectedDims
        guard bytes.count >= offset else {
            throw LMConvError.corruptFile(source: source, reason: "IDX header is truncated")
        }
        let dims = (0..<expectedDims).map { d -> Int in
            let p = 4 + 4 * d
            return Int(bytes[p]) << 24 | Int(bytes[p + 1]) << 16 | Int(bytes[p + 2]) << 8 | Int(bytes[p + 3])
        }
        return (dims, offset)
    }

    private static func idxCheckSize(_ bytes: [UInt8], offset: Int, expected: Int, source: String) throws {
        let actual = bytes.count - offset
        if actual < expected {
            throw LMConvError.corruptFile(source: source,
                                          reason: "IDX data is truncated (header promises \(expected) bytes, file has \(actual))")
        }
        if actual > expected {
            throw LMConvError.corruptFile(source: source,
                                          reason: "IDX file has \(actual - expected) bytes past the \(expected) its header promises")
        }
    }
}
