import CJPEGShim

/// Reading and writing JPEG files through libjpeg-turbo (the C target CJPEGShim, which turns libjpeg's longjmp
/// errors into return codes).
///
/// Grayscale files decode to one channel, every other colour space libjpeg can convert (YCbCr, RGB) to RGB.
/// Corrupt or truncated files are errors, including the ones libjpeg only warns about (it would fill the missing
/// part with gray).
public enum JPEG {
    /// Whether `bytes` starts with a JPEG start-of-image marker followed by another marker (FF D8 FF).
    public static func isJPEG<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        Array(bytes.prefix(3)) == [0xFF, 0xD8, 0xFF]
    }

    /// Decodes a JPEG file's bytes; `source` names it in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws -> RGBImage {
        guard isJPEG(bytes) else { throw LMConvError.invalidArgument(source: source, reason: "not a JPEG file (it does not start with FF D8 FF)") }
        var message = [CChar](repeating: 0, count: Int(LMCONV_JPEG_MESSAGE_SIZE))
        var pixels: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0, height: Int32 = 0, channels: Int32 = 0
        let status = bytes.withUnsafeBufferPointer { b in
            lmconv_jpeg_decode(b.baseAddress, b.count, &pixels, &width, &height, &channels, &message)
        }
        guard status == 0, let pixels else {
            throw LMConvError.corruptFile(source: source, reason: "corrupt or truncated JPEG (libjpeg: \(String(cString: message)))")
        }
        defer { lmconv_jpeg_free(pixels) }
        let count = Int(width) * Int(height) * Int(channels)
        return RGBImage(width: Int(width), height: Int(height), channels: Int(channels),
                        pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// Reads and decodes the JPEG file at `path`.
    public static func read(contentsOf path: String) throws -> RGBImage {
        try decode(DataFile.read(path), source: path)
    }

    /// The JPEG file of `image` at `quality` 1...100; without `subsampleChroma` colour is kept at full resolution
    /// (4:4:4), with it at half resolution in both directions (4:2:0, the usual choice of cameras).
    public static func encode(_ image: RGBImage, quality: Int = 95, subsampleChroma: Bool = false) throws -> [UInt8] {
        precondition((1...100).contains(quality), "JPEG quality must be 1...100")
        var message = [CChar](repeating: 0, count: Int(LMCONV_JPEG_MESSAGE_SIZE))
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = image.pixels.withUnsafeBufferPointer { p in
            lmconv_jpeg_encode(p.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                               Int32(quality), subsampleChroma ? 1 : 0, &output, &size, &message)
        }
        guard status == 0, let output else {
            throw LMConvError.invalidArgument(reason: "JPEG encoding failed (libjpeg: \(String(cString: message)))")
        }
        defer { lmconv_jpeg_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// Writes `image` as a JPEG file at `path`, atomically.
    public static func write(_ image: RGBImage, to path: String, quality: Int = 95) throws {
        try AtomicFile.write(encode(image, quality: quality), to: path)
    }
}
