import CPNGShim

extension PNG {
    /// Decodes the bytes of a PNG file through libpng; `source` names it in errors.
    ///
    /// Returns 8-bit grayscale or RGB (see ``PNG``). A file that is not a PNG, is truncated or is corrupt (bad CRC,
    /// invalid header, broken image data) throws a one-line error naming `source`.
    public static func decode(_ bytes: [UInt8], source: String) throws -> RGBImage {
        guard bytes.starts(with: signature) else {
            throw LMConvError.corruptFile(source: source, reason: "not a PNG file (wrong signature)")
        }
        var result = LMConvPNGResult()
        let status = bytes.withUnsafeBufferPointer { lmconv_png_decode($0.baseAddress, $0.count, &result) }
        guard status == 0, let pixels = result.pixels else {
            let message = withUnsafeBytes(of: result.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if result.truncated != 0 { throw LMConvError.corruptFile(source: source,
                                                                     reason: "PNG is truncated (\(message))") }
            throw LMConvError.corruptFile(source: source, reason: "PNG is corrupt (libpng: \(message))")
        }
        defer { lmconv_png_free(&result) }
        let (width, height, channels) = (Int(result.width), Int(result.height), Int(result.channels))
        return RGBImage(width: width, height: height, channels: channels,
                        pixels: Array(UnsafeBufferPointer(start: pixels, count: width * height * channels)))
    }
}
