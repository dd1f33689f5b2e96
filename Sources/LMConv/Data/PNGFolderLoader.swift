import Foundation

extension ImageDataset {
    /// Loads every `.png` file in `directory` (not its subfolders), sorted by file name, as one dataset. The images
    /// must all have the same size. Grayscale images are replicated to RGB when the folder also holds colour images.
    public static func loadPNGFolder(directory: String) throws -> ImageDataset {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw LMConvError.unreadable(path: directory,
                                         reason: "cannot list the directory (\(error.localizedDescription))")
        }
        let files = names.filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }.sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
        guard !files.isEmpty else { throw LMConvError.fileNotFound(path: directory, reason: "holds no .png images") }

        let images = try files.map { try PNG.read(contentsOf: $0) }
        let first = images[0]
        for (image, path) in zip(images, files) where image.width != first.width || image.height != first.height {
            throw LMConvError.shapeMismatch(source: path, reason:
                "image is \(image.width)x\(image.height) but \(files[0]) is \(first.width)x\(first.height); "
                    + "all images in a folder must have the same size")
        }
        let channels = images.contains { $0.channels == 3 } ? 3 : 1
        var pixels = [UInt8]()
        pixels.reserveCapacity(images.count * channels * first.height * first.width)
        for image in images {
            let planar = image.planar
            if image.channels == channels {
                pixels += planar
            } else {
                for _ in 0..<channels { pixels += planar }  // gray -> RGB
            }
        }
        return ImageDataset(count: images.count, channels: channels, height: first.height, width: first.width, pixels: pixels)
    }
}
