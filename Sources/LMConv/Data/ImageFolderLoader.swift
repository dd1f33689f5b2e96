import Foundation

extension ImageDataset {
    /// File name endings of the images an image folder may hold.
    public static let imageFileExtensions = ["png", "jpg", "jpeg"]

    /// Loads every PNG and JPEG image in `directory` (not its subfolders; `.png`, `.jpg`, `.jpeg` in any case),
    /// sorted by file name, each prepared as `preparation` says as soon as it is decoded (so a folder of large photos
    /// needs memory for the prepared images only). Without a size in `preparation` the images must all have the same
    /// size; without channels, gray images become RGB when colour images are among them.
    public static func loadImageFolder(directory: String, preparation: DatasetPreparation = .none) throws -> ImageDataset {
        let files = try imageFiles(in: directory, extensions: imageFileExtensions)
        guard !files.isEmpty else { throw LMConvError.invalidArgument(source: directory, reason: "holds no .png, .jpg or .jpeg images") }
        return try loadImages(files, preparation: preparation)
    }

    /// The files in `directory` whose names end in `.<one of extensions>` (any case), not hidden, sorted, as paths.
    static func imageFiles(in directory: String, extensions: [String]) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw LMConvError.invalidArgument(source: directory, reason: "cannot list the directory (\(error.localizedDescription))")
        }
        return names.filter { name in
            !name.hasPrefix(".") && extensions.contains { name.lowercased().hasSuffix("." + $0) }
        }.sorted().map { (directory as NSString).appendingPathComponent($0) }
    }

    /// The images at `paths`, decoded and prepared one at a time, as one dataset.
    static func loadImages(_ paths: [String], preparation: DatasetPreparation) throws -> ImageDataset {
        var collected = PreparedImages()
        for path in paths {
            let image = try decodeImageFile(path)
            let prepared = preparation.prepare(planar: image.planar, channels: image.channels,
                                               size: ImageSize(height: image.height, width: image.width))
            try collected.add(prepared.pixels, channels: prepared.channels, size: prepared.size, label: nil, source: path)
        }
        return collected.dataset()
    }

    /// The PNG or JPEG image at `path`, told apart by its first bytes (by its name when they are neither, so that
    /// the error says what the file failed to be).
    static func decodeImageFile(_ path: String) throws -> RGBImage {
        let bytes = try DataFile.read(path)
        if bytes.starts(with: PNG.signature) { return try PNG.decode(bytes, source: path) }
        if JPEG.isJPEG(bytes) { return try JPEG.decode(bytes, source: path) }
        let lower = path.lowercased()
        if lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") { return try JPEG.decode(bytes, source: path) }
        return try PNG.decode(bytes, source: path)
    }
}
