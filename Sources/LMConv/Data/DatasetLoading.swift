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

    /// Loads a dataset from `path`, choosing the format by ``FileKind`` (gzip-compressed files are decompressed
    /// first):
    /// - a folder: its CIFAR-10 `.bin` batches if it has any (`data_batch_*.bin` first), otherwise its `.png` images;
    /// - IDX images (with the labels of the sibling file named with `labels`/`idx1` for `images`/`idx3`, when it
    ///   exists), a `.npy` array, one PNG image, or a CIFAR-10 batch (no magic number: named `.bin`, or a whole
    ///   number of records).
    public static func load(path: String) throws -> ImageDataset {
        if try FileKind.at(path: path) == .folder {
            return try cifarBatchFiles(in: path).isEmpty ? loadPNGFolder(directory: path) : loadCIFAR(directory: path)
        }
        let bytes = try DataFile.readMaybeGzip(path)
        let kind = FileKind.detect(head: bytes, name: (path as NSString).lastPathComponent, size: bytes.count)
        switch kind {
        case .idx: return try decodeIDX(bytes, source: path, labels: idxLabelsSibling(of: path))
        case .npy: return try decodeNPY(bytes, source: path)
        case .png:
            let image = try PNG.decode(bytes, source: path)
            return ImageDataset(count: 1, channels: image.channels, height: image.height, width: image.width,
                                pixels: image.planar)
        case .cifarBatch: return try decodeCIFAR(bytes, source: path)
        case .jpeg: throw LMConvError.unsupported(source: path,
                                                  reason: "JPEG images are not supported (convert them to PNG)")
        case .safetensors, .zipArchive, .pickleStream:
            throw LMConvError.unsupported(source: path,
                                          reason: "\(kind.description) (a checkpoint?), not a dataset (expected IDX, .npy, PNG, "
                              + "a CIFAR-10 .bin batch, or a folder of them)")
        case .gzip, .folder, .unknown:
            throw LMConvError.unsupported(source: path, reason:
                "unrecognised dataset format (expected IDX, .npy, PNG, a CIFAR-10 .bin batch, or a folder of them)")
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
