import Foundation

extension ImageDataset {
    /// Which part of a dataset with a fixed split to load.
    public enum Split: String, Sendable, CaseIterable {
        case train, test
    }

    /// Where the Debian package `dataset-fashion-mnist` installs Fashion-MNIST.
    public static let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// Loads Fashion-MNIST's training (60000) or test (10000) images and labels from `directory`, which holds
    /// `train-images-idx3-ubyte.gz`, `t10k-images-idx3-ubyte.gz` and the matching `*-labels-idx1-ubyte.gz`.
    public static func fashionMNIST(split: Split, directory: String = fashionMNISTDirectory) throws -> ImageDataset {
        let prefix = split == .train ? "train" : "t10k"
        let images = (directory as NSString).appendingPathComponent("\(prefix)-images-idx3-ubyte.gz")
        let labels = (directory as NSString).appendingPathComponent("\(prefix)-labels-idx1-ubyte.gz")
        guard FileManager.default.fileExists(atPath: images) else {
            throw LMConvError.fileNotFound(path: images, reason:
                "Fashion-MNIST \(split.rawValue) images not found; install the Debian package "
                    + "dataset-fashion-mnist or give the path of an IDX, CIFAR, .npy or PNG-folder dataset")
        }
        return try loadIDX(images: images, labels: FileManager.default.fileExists(atPath: labels) ? labels : nil)
    }

    /// Loads a dataset from `path`, choosing the format from what the path is, and prepares its images as
    /// `preparation` says (image folders and TFRecords image by image as they are decoded, others once loaded):
    /// - a directory: its CIFAR-10 `.bin` batches if it has any (`data_batch_*.bin` first), otherwise its TFRecord
    ///   files if it has any, otherwise its `.png`, `.jpg` and `.jpeg` images;
    /// - a file named `*.tfrecords` or `*.tfrecord`: TFRecords of `tf.train.Example` images;
    /// - another file, by its first bytes (gzip-compressed files are decompressed first): IDX images (with the labels
    ///   of the sibling file named with `labels`/`idx1` for `images`/`idx3`, when it exists), `.npy`, one PNG or JPEG
    ///   image (by ``FileKind``); a file named `.csv` or `.csv.gz` is a pixel CSV (``loadPixelCSV(path:size:)``); one
    ///   with no magic number is a CIFAR-10 batch if named `.bin` or a whole number of records.
    public static func load(path: String, preparation: DatasetPreparation = .none) throws -> ImageDataset {
        if try FileKind.at(path: path) == .folder {
            if !(try cifarBatchFiles(in: path)).isEmpty { return preparation.apply(to: try loadCIFAR(directory: path)) }
            if !(try imageFiles(in: path, extensions: ["tfrecords", "tfrecord"])).isEmpty {
                return try loadTFRecords(path: path, preparation: preparation)
            }
            return try loadImageFolder(directory: path, preparation: preparation)
        }
        if isTFRecordName(path) { return try loadTFRecords(path: path, preparation: preparation) }
        return preparation.apply(to: try loadFile(path))
    }

    /// One dataset file (not a TFRecord file), as ``load(path:preparation:)`` describes.
    private static func loadFile(_ path: String) throws -> ImageDataset {
        let bytes = try DataFile.readMaybeGzip(path)
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") || lower.hasSuffix(".csv.gz") { return try decodePixelCSV(bytes, source: path) }
        let kind = FileKind.detect(head: bytes, name: (path as NSString).lastPathComponent, size: bytes.count)
        switch kind {
        case .idx: return try decodeIDX(bytes, source: path, labels: idxLabelsSibling(of: path))
        case .npy: return try decodeNPY(bytes, source: path)
        case .png, .jpeg:
            let image = kind == .png ? try PNG.decode(bytes, source: path) : try JPEG.decode(bytes, source: path)
            return ImageDataset(count: 1, channels: image.channels, height: image.height, width: image.width,
                                pixels: image.planar)
        case .cifarBatch: return try decodeCIFAR(bytes, source: path)
        case .safetensors, .zipArchive, .pickleStream:
            throw LMConvError.invalidArgument(source: path, reason: "\(kind.description) (a checkpoint?), not a dataset (expected IDX, .npy, PNG, "
                              + "JPEG, a CIFAR-10 .bin batch, TFRecords, a pixel .csv, or a folder of them)")
        case .gzip, .folder, .unknown:
            throw LMConvError.invalidArgument(source: path, reason: "unrecognised dataset format (expected IDX, .npy, PNG, JPEG, a CIFAR-10 .bin "
                              + "batch, TFRecords, a pixel .csv, or a folder of them)")
        }
    }

    /// The labels file that goes with IDX images at `path` (`train-images-idx3-ubyte.gz` ->
    /// `train-labels-idx1-ubyte.gz`), if it exists.
    static func idxLabelsSibling(of path: String) -> String? {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        let labelsName = name.replacingOccurrences(of: "images", with: "labels").replacingOccurrences(of: "idx3", with: "idx1")
        guard labelsName != name else { return nil }
        let candidate = url.deletingLastPathComponent().appendingPathComponent(labelsName).path
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }
}
