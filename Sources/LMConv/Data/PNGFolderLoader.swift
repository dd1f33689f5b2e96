import Foundation

extension ImageDataset {
    /// Loads every `.png` file in `directory` (not its subfolders), sorted by file name, as one dataset. The images
    /// must all have the same size. Grayscale images are replicated to RGB when the folder also holds colour images.
    /// (``loadImageFolder(directory:preparation:)`` also reads JPEGs and can resize.)
    public static func loadPNGFolder(directory: String) throws -> ImageDataset {
        let files = try imageFiles(in: directory, extensions: ["png"])
        guard !files.isEmpty else { throw LMConvError.invalidArgument(source: directory, reason: "holds no .png images") }
        return try loadImages(files, preparation: .none)
    }
}
