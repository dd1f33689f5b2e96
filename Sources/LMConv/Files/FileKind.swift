import Foundation

/// What a file holds, told by its first bytes (magic numbers) and, for CIFAR-10 batches, which have none, by its
/// name and size. The one place that knows the magic numbers: dataset loading and checkpoint loading both ask it.
public enum FileKind: String, Sendable, CaseIterable {
    case folder
    /// `1f 8b`: gzip-compressed (a dataset file inside, usually).
    case gzip
    /// `00 00 08 0N`: IDX unsigned bytes with N = 1...4 dimensions (MNIST, Fashion-MNIST).
    case idx
    /// `93 NUMPY`: a NumPy `.npy` array.
    case npy
    /// `89 PNG 0d 0a 1a 0a`.
    case png
    /// `ff d8 ff`: recognised to say that it is not supported.
    case jpeg
    /// `PK`: a zip archive (a PyTorch `.pth` of torch >= 1.6).
    case zipArchive
    /// `80` (pickle PROTO): a PyTorch `.pth` of torch < 1.6, consecutive pickles.
    case pickleStream
    /// An 8-byte little-endian header length that fits the file, then `{`: a safetensors file (our checkpoints).
    case safetensors
    /// No magic number, but named `*.bin` or a whole number of 3073-byte records: a CIFAR-10 binary batch.
    case cifarBatch
    case unknown

    /// Bytes per CIFAR-10 record: 1 label + 3 * 32 * 32 pixels.
    public static let cifarRecordSize = 1 + 3 * 32 * 32
    /// The first bytes of a `.npy` file.
    public static let npyMagic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    /// How many leading bytes ``detect(head:name:size:)`` looks at.
    public static let headLength = 16

    /// The kind of a file named `name` of `size` bytes that starts with `head` (its first ``headLength`` bytes, or
    /// all of it when shorter).
    public static func detect<Bytes: Collection>(head: Bytes, name: String, size: Int) -> FileKind
    where Bytes.Element == UInt8 {
        let b = Array(head.prefix(headLength))
        // First: a safetensors header length's low bytes can be anything ("PK", 0x80, 1f 8b, ...), but a header
        // length that fits the file followed by "{" is no other kind's magic (theirs give huge lengths).
        if b.count >= 9, b[8] == UInt8(ascii: "{") {
            let headerLength = (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[$1]) << (8 * UInt64($1)) }
            if headerLength >= 2, headerLength <= UInt64(max(0, size - 8)) { return .safetensors }
        }
        if b.starts(with: [0x1F, 0x8B]) { return .gzip }
        if b.starts(with: PNG.signature) { return .png }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if b.starts(with: npyMagic) { return .npy }
        if b.count >= 4, b[0] == 0, b[1] == 0, b[2] == 0x08, (1...4).contains(b[3]) { return .idx }
        if b.starts(with: [0x50, 0x4B]) { return .zipArchive }
        if b.first == 0x80 { return .pickleStream }
        if name.lowercased().hasSuffix(".bin") || (size > 0 && size % cifarRecordSize == 0) { return .cifarBatch }
        return .unknown
    }

    /// The kind of what is at `path`: a folder, or a file by its first bytes. Throws when nothing is there or it
    /// cannot be read.
    public static func at(path: String) throws -> FileKind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LMConvError.fileNotFound(path: path, reason: "no such file or directory")
        }
        if isDirectory.boolValue { return .folder }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LMConvError.unreadable(path: path, reason: "cannot be read")
        }
        defer { try? handle.close() }
        let head: Data
        let size: UInt64
        do {
            head = try handle.read(upToCount: headLength) ?? Data()
            size = try handle.seekToEnd()
        } catch {
            throw LMConvError.unreadable(path: path, reason: "cannot be read (\(error.localizedDescription))")
        }
        return detect(head: head, name: (path as NSString).lastPathComponent, size: Int(size))
    }

    /// What the kind is, for messages ("a PNG image").
    public var description: String {
        switch self {
        case .folder: return "a folder"
        case .gzip: return "a gzip file"
        case .idx: return "an IDX file"
        case .npy: return "a .npy array"
        case .png: return "a PNG image"
        case .jpeg: return "a JPEG image"
        case .zipArchive: return "a zip archive"
        case .pickleStream: return "a pickle stream"
        case .safetensors: return "a safetensors file"
        case .cifarBatch: return "a CIFAR-10 batch"
        case .unknown: return "of unknown format"
        }
    }
}
