/// An 8-bit image with 1 (grayscale) or 3 (RGB) channels, pixels interleaved in (H, W, C) order as image files
/// store them.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 1 (grayscale) or 3 (RGB).
    public let channels: Int
    /// Shape (H, W, C), row-major.
    public var pixels: [UInt8]

    /// An image over interleaved `pixels` of shape (height, width, channels).
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "image size must be positive")
        precondition(channels == 1 || channels == 3, "an image has 1 or 3 channels")
        precondition(pixels.count == width * height * channels, "pixel count does not match the image size")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image from planar pixels of shape (C, H, W), the layout of `ImageDataset`.
    public init<C: Collection>(planar: C, channels: Int, height: Int, width: Int) where C.Element == UInt8, C.Index == Int {
        precondition(planar.count == channels * height * width, "pixel count does not match the image size")
        var interleaved = [UInt8](repeating: 0, count: planar.count)
        let plane = height * width
        let base = planar.startIndex
        for c in 0..<channels {
            for p in 0..<plane { interleaved[p * channels + c] = planar[base + c * plane + p] }
        }
        self.init(width: width, height: height, channels: channels, pixels: interleaved)
    }

    /// The pixels as planes, shape (C, H, W).
    public var planar: [UInt8] {
        if channels == 1 { return pixels }
        var out = [UInt8](repeating: 0, count: pixels.count)
        let (plane, C) = (height * width, channels)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<C {
                    for p in 0..<plane { dst[c * plane + p] = src[p * C + c] }
                }
            }
        }
        return out
    }
}
