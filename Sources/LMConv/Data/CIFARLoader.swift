import Foundation

/// The CIFAR-10 binary format: records of one label byte followed by 3072 pixel bytes, the 32x32 red plane, then
/// green, then blue (already channel-major, as the dataset stores it).
extension ImageDataset {
    /// Loads one or more CIFAR-10 binary batch files, concatenated in the given order, with their labels.
    public static func loadCIFAR(files: [String]) throws -> ImageDataset {
        guard !files.isEmpty else { throw LMConvError.invalidArgument(reason: "no CIFAR-10 batch files given") }
        var pixels = [UInt8]()
        var labels = [Int]()
        for path in files {
            let batch = try decodeCIFAR(DataFile.read(path), source: path)
            pixels += batch.pixels
            labels += batch.labels ?? []
        }
        return ImageDataset(count: labels.count, channels: 3, height: 32, width: 32, pixels: pixels, labels: labels)
    }

    /// Decodes the bytes of one CIFAR-10 batch file; `source` names it in errors.
    static func decodeCIFAR(_ bytes: [UInt8], source path: String) throws -> ImageDataset {
        let recordSize = FileKind.cifarRecordSize
        guard !bytes.isEmpty else {
            throw LMConvError.corruptFile(source: path, reason: "empty file, expected CIFAR-10 records")
        }
        guard bytes.count % recordSize == 0 else {
            throw LMConvError.corruptFile(source: path, reason:
                "size \(bytes.count) bytes is not a whole number of CIFAR-10 records of \(recordSize) bytes "
                    + "(1 label + 3072 pixels); the file is truncated or not a CIFAR-10 binary batch")
        }
        let n = bytes.count / recordSize
        var pixels = [UInt8]()
        var labels = [Int]()
        pixels.reserveCapacity(n * (recordSize - 1))
        labels.reserveCapacity(n)
        for r in 0..<n {
            let start = r * recordSize
            let label = Int(bytes[start])
            guard label < 10 else {
                throw LMConvError.corruptFile(source: path,
                                              reason: "record \(r) has label \(label), outside CIFAR-10's 0...9 (not a CIFAR-10 batch?)")
            }
            labels.append(label)
            pixels.append(contentsOf: bytes[(start + 1)..<(start + recordSize)])
        }
        return ImageDataset(count: n, channels: 3, height: 32, width: 32, pixels: pixels, labels: labels)
    }

    /// Loads the CIFAR-10 batches in `directory`: the training batches `data_batch_*.bin` when present, otherwise
    /// every `.bin` file, in file-name order.
    public static func loadCIFAR(directory: String) throws -> ImageDataset {
        let files = try cifarBatchFiles(in: directory)
        guard !files.isEmpty else {
            throw LMConvError.fileNotFound(path: directory, reason: "holds no CIFAR-10 .bin batch files")
        }
        return try loadCIFAR(files: files)
    }

    /// The CIFAR-10 batch files `loadCIFAR(directory:)` would read (empty when there are none).
    static func cifarBatchFiles(in directory: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw LMConvError.unreadable(path: directory,
                                         reason: "cannot list the directory (\(error.localizedDescription))")
        }
        let bins = names.filter { $0.lowercased().hasSuffix(".bin") }.sorted()
        let training = bins.filter { $0.hasPrefix("data_batch_") }
        return (training.isEmpty ? bins : training).map { (directory as NSString).appendingPathComponent($0) }
    }
}
