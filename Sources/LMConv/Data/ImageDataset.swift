/// A set of equally sized 8-bit images held in memory, with optional integer class labels.
///
/// Pixels are stored as one array of shape (N, C, H, W) in row-major order, the layout the network consumes.
/// Loaders for IDX, CIFAR-10 binary, `.npy`, pixel CSV, image folders (PNG, JPEG) and TFRecords live in extensions
/// (see `ImageDataset.load(path:preparation:)` and `ImageDataset.load(source:split:)`).
public struct ImageDataset: Sendable, Equatable {
    /// Number of images N.
    public let count: Int
    /// Channels per image C: 1 (grayscale) or 3 (RGB).
    public let channels: Int
    /// Image height H in pixels.
    public let height: Int
    /// Image width W in pixels.
    public let width: Int
    /// All pixels, shape (N, C, H, W), row-major.
    public let pixels: [UInt8]
    /// One label per image, when the source has labels.
    public let labels: [Int]?

    /// A dataset over `pixels` of shape (count, channels, height, width). The sizes must agree (a programming error
    /// otherwise); loaders check file contents and throw before building one.
    public init(count: Int, channels: Int, height: Int, width: Int, pixels: [UInt8], labels: [Int]? = nil) {
        precondition(count >= 0 && channels > 0 && height > 0 && width > 0, "invalid dataset shape")
        precondition(pixels.count == count * channels * height * width, "pixel count does not match the shape")
        precondition(labels == nil || labels!.count == count, "label count does not match the image count")
        self.count = count
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
    }

    /// Bytes per image, C * H * W.
    public var imageSize: Int { channels * height * width }

    /// The pixels of image `i`, shape (C, H, W).
    public func image(_ i: Int) -> ArraySlice<UInt8> {
        precondition(i >= 0 && i < count, "image index \(i) out of range 0..<\(count)")
        return pixels[i * imageSize ..< (i + 1) * imageSize]
    }

    /// The images at `indices` (repeats allowed), in that order, with their labels.
    public func subset(_ indices: [Int]) -> ImageDataset {
        var out = [UInt8]()
        out.reserveCapacity(indices.count * imageSize)
        for i in indices { out.append(contentsOf: image(i)) }
        return ImageDataset(
            count: indices.count, channels: channels, height: height, width: width, pixels: out,
            labels: labels.map { all in indices.map { all[$0] } })
    }

    /// The first `n` images (all of them when there are fewer).
    public func prefix(_ n: Int) -> ImageDataset {
        subset(Array(0..<min(max(n, 0), count)))
    }
}
