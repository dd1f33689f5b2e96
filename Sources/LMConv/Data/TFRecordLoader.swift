import Foundation

/// Image datasets stored as TFRecord files of `tf.train.Example`s, as openai/glow wrote CelebA-HQ (and the LMConv
/// reference's `celeba_data.py` reads it): per image the features `shape` (int64 [H, W, C]), `data` (bytes: the raw
/// uint8 pixels in (H, W, C) order) and `label` (int64), in folders such as `celeba-tfr/train/` holding
/// `train-r08-s-0000-of-0120.tfrecords` ... `train-r08-s-0119-of-0120.tfrecords` (r08: 2^8 = 256 pixels a side).
extension ImageDataset {
    /// Loads the images of one TFRecord file, or of every `.tfrecords`/`.tfrecord` file in a folder (sorted by name),
    /// each prepared as `preparation` says as soon as it is parsed (CelebA-HQ's 27000 training images take 5.3 GB at
    /// 256x256 but 330 MB at 64x64). The paper's CelebA-HQ setting is `DatasetPreparation(size: 64x64, nBits: 5)`.
    ///
    /// In a folder of glow's shards (`<name>-rNN-s-<i>-of-<n>.tfrecords`), only the highest resolution rNN is read
    /// when several are present, and all n shards of it must be there (as the reference asserts).
    /// Labels are kept when every record has a `label`. Errors name the file and the record index.
    public static func loadTFRecords(path: String, preparation: DatasetPreparation = .none) throws -> ImageDataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LMConvError.fileNotFound(path: path, reason: "no such file or directory")
        }
        let files = isDirectory.boolValue ? try tfrecordFiles(in: path) : [path]
        guard !files.isEmpty else { throw LMConvError.invalidArgument(source: path, reason: "holds no .tfrecords files") }
        var collected = PreparedImages()
        for file in files {
            let bytes = try DataFile.read(file)
            try TFRecord.forEachRecord(in: bytes, source: file) { index, record in
                func fail(_ what: String) -> LMConvError { LMConvError.invalidArgument(source: file, reason: "record index \(index): \(what)") }
                let example: TFExample
                do { example = try TFExample(parsing: record) } catch let error as LMConvError {
                    throw fail("not a valid tf.train.Example (\(error.message))")
                }
                let (size, channels, pixels) = try imageOf(example, fail: fail)
                let prepared = preparation.prepare(planar: pixels, channels: channels, size: size)
                var label: Int?
                if case .int64s(let values)? = example.features["label"], let first = values.first { label = Int(first) }
                try collected.add(prepared.pixels, channels: prepared.channels, size: prepared.size, label: label,
                                  source: "\(file) record index \(index)")
            }
        }
        guard collected.count > 0 else { throw LMConvError.invalidArgument(source: path, reason: "holds no records") }
        return collected.dataset()
    }

    /// The paper's CelebA-HQ images: 64x64 (area resizing from 256x256), 5 bits.
    public static let celebAHQPreparation = DatasetPreparation(size: ImageSize(height: 64, width: 64), nBits: 5)

    /// CelebA-HQ in glow's layout under `directory` (its `celeba-tfr`): `train/` for the training split (27000
    /// images), `validation/` for the test split (3000), prepared as the paper did by default.
    public static func celebAHQ(directory: String, split: Split,
                                preparation: DatasetPreparation = celebAHQPreparation) throws -> ImageDataset {
        let folder = (directory as NSString).appendingPathComponent(split == .train ? "train" : "validation")
        return try loadTFRecords(path: folder, preparation: preparation)
    }

    /// Whether `path` names a TFRecord file by its ending.
    static func isTFRecordName(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".tfrecords") || lower.hasSuffix(".tfrecord")
    }

    /// The TFRecord files of `directory` to read: see ``loadTFRecords(path:preparation:)``.
    static func tfrecordFiles(in directory: String) throws -> [String] {
        let names = try imageFiles(in: directory, extensions: ["tfrecords", "tfrecord"])
            .map { ($0 as NSString).lastPathComponent }
        let parsed = names.map(GlowShardName.init(parsing:))
        guard !names.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
            return names.map { (directory as NSString).appendingPathComponent($0) }
        }
        let shards = zip(names, parsed.map { $0! })
        let highest = shards.compactMap { $0.1.resolution }.max()!
        let chosenNames = shards.filter { $0.1.resolution == highest }.map(\.0)
        let chosen = shards.filter { $0.1.resolution == highest }.map(\.1)
        let sets = Set(chosen.map { "\($0.set) (of \($0.total))" })
        guard sets.count == 1 else {
            throw LMConvError.invalidArgument(source: directory, reason: "holds shards of several datasets (\(sets.sorted().joined(separator: ", "))); "
                + "keep one in the folder or name a file")
        }
        let (set, total) = (chosen[0].set, chosen[0].total)
        let present = Set(chosen.map(\.index))
        if let missing = (0..<total).first(where: { !present.contains($0) }) {
            throw LMConvError.invalidArgument(source: directory, reason: "has \(present.count) of the \(total) shards of \(set) (missing "
                + GlowShardName(set: set, index: missing, total: total).fileName + ")")
        }
        return chosenNames.map { (directory as NSString).appendingPathComponent($0) }
    }

    /// The image of one Example: its `shape` [H, W, C] (C 1 or 3; [H, W] for gray) and `data` bytes, as planar
    /// pixels (C, H, W).
    private static func imageOf(_ example: TFExample, fail: (String) -> LMConvError) throws
        -> (ImageSize, Int, [UInt8])
    {
        guard case .bytes(let values)? = example.features["data"], values.count == 1 else {
            throw fail("has no 'data' feature holding one byte string")
        }
        guard case .int64s(let shape)? = example.features["shape"], shape.count == 2 || shape.count == 3 else {
            throw fail("has no 'shape' feature of int64s [rows, cols, channels]")
        }
        let (h, w, c) = (shape[0], shape[1], shape.count == 3 ? shape[2] : 1)
        guard (1...65535).contains(h), (1...65535).contains(w), c == 1 || c == 3 else {
            throw fail("shape \(shape) is not an image of 1 or 3 channels")
        }
        let data = values[0]
        guard data.count == Int(h * w * c) else {
            throw fail("'data' has \(data.count) bytes but shape \(shape) needs \(h * w * c)")
        }
        let image = RGBImage(width: Int(w), height: Int(h), channels: Int(c), pixels: data)
        return (ImageSize(height: Int(h), width: Int(w)), Int(c), image.planar)
    }
}

/// A shard name of glow's TFRecord exporter, `<set>-s-<index>-of-<total>.tfrecords` with `<set>` ending in `-rNN`.
struct GlowShardName: Hashable {
    var set: String
    var index: Int
    var total: Int

    init(set: String, index: Int, total: Int) {
        self.set = set
        self.index = index
        self.total = total
    }

    init?(parsing name: String) {
        guard name.hasSuffix(".tfrecords") else { return nil }
        let parts = name.dropLast(".tfrecords".count).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 6, parts[parts.count - 4] == "s", parts[parts.count - 2] == "of",
              let index = Int(parts[parts.count - 3]), let total = Int(parts[parts.count - 1]),
              total > 0, (0..<total).contains(index) else { return nil }
        set = parts[..<(parts.count - 4)].joined(separator: "-")
        self.index = index
        self.total = total
        guard resolution != nil else { return nil }
    }

    /// NN of the set's `-rNN` ending (log2 of the image side).
    var resolution: Int? {
        guard let last = set.split(separator: "-").last, last.hasPrefix("r") else { return nil }
        return Int(last.dropFirst())
    }

    var fileName: String {
        func digits(_ v: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, 4 - s.count)) + s }
        return "\(set)-s-\(digits(index))-of-\(digits(total)).tfrecords"
    }
}
