/// Images gathered one at a time by the loaders that decode image by image (image folders, TFRecords), then made
/// into one dataset. All must have the same size; gray images are copied to RGB when colour images are among them
/// (as PNG folders always did).
struct PreparedImages {
    /// Planar images (C, H, W), each with its own channel count.
    private var images: [(channels: Int, pixels: [UInt8])] = []
    private var labels: [Int] = []
    private var allLabelled = true
    private var size: ImageSize?
    private var firstSource = ""

    var count: Int { images.count }

    /// Adds one image; a size that differs from the first image's is an error naming both sources.
    mutating func add(_ pixels: [UInt8], channels: Int, size: ImageSize, label: Int?, source: String) throws {
        if let first = self.size {
            guard first == size else {
                throw LMConvError.shapeMismatch(source: source, reason: "image is \(size) (rows x cols) but \(firstSource) is \(first); all images "
                    + "of a dataset must have the same size (give one to resize them to, e.g. PATH@64x64)")
            }
        } else {
            self.size = size
            firstSource = source
        }
        images.append((channels, pixels))
        if let label { labels.append(label) } else { allLabelled = false }
    }

    /// The dataset of every image added (at least one); labels only when every image had one.
    func dataset() -> ImageDataset {
        let size = self.size!
        let channels = images.contains { $0.channels == 3 } ? 3 : 1
        let plane = size.height * size.width
        var pixels = [UInt8]()
        pixels.reserveCapacity(images.count * channels * plane)
        for image in images {
            if image.channels == channels {
                pixels += image.pixels
            } else {
                for _ in 0..<channels { pixels += image.pixels }   // gray -> RGB
            }
        }
        return ImageDataset(count: images.count, channels: channels, height: size.height, width: size.width,
                            pixels: pixels, labels: allLabelled ? labels : nil)
    }
}
