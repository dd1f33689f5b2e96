import Foundation
import ZIPFoundation

extension TorchCheckpoint {
    /// torch >= 1.6: a zip archive (entries stored uncompressed) holding `<name>/data.pkl` and one raw
    /// little-endian file per storage, `<name>/data/<key>`. `<name>` is whatever the file was first saved as,
    /// so the pickle is found by its suffix rather than by the folder name.
    static func readZip(url: URL, source: String) throws -> PickleValue {
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw LMConvError.corruptFile(source: source, reason: "not a readable zip archive (truncated or corrupt)")
        }
        let pickles = archive.filter { $0.type == .file && ($0.path == "data.pkl" || $0.path.hasSuffix("/data.pkl")) }
        // A checkpoint has one data.pkl at the archive's top level folder; prefer the shallowest.
        guard let pickleEntry = pickles.min(by: { $0.path.count < $1.path.count }) else {
            throw LMConvError.corruptFile(source: source,
                                          reason: "zip archive without a data.pkl (not a PyTorch checkpoint)")
        }
        let prefix = String(pickleEntry.path.dropLast("data.pkl".count))

        if let byteorder = archive[prefix + "byteorder"],
           String(decoding: try entryBytes(byteorder, in: archive, source: source), as: UTF8.self) != "little" {
            throw LMConvError.unsupported(source: source, reason: "big-endian storages are not supported")
        }

        var machine = PickleMachine(bytes: try entryBytes(pickleEntry, in: archive, source: source),
                                    source: source + ":" + pickleEntry.path)
        let item = try machine.load()

        var cache: [String: [UInt8]] = [:]
        return try item.materialized(source: source) { ref in
            let bytes: [UInt8]
            if let cached = cache[ref.key] {
                bytes = cached
            } else {
                let path = prefix + "data/" + ref.key
                guard let entry = archive[path] else {
                    throw LMConvError.corruptFile(source: source,
                                                  reason: "storage '\(ref.key)' is missing (no entry '\(path)')")
                }
                bytes = try entryBytes(entry, in: archive, source: source)
                cache[ref.key] = bytes
            }
            guard let needed = checkedProduct([ref.count, ref.dtype.byteCount]), bytes.count >= needed else {
                throw LMConvError.corruptFile(source: source,
                                              reason: "storage '\(ref.key)' holds \(bytes.count) bytes, fewer than its "
                                  + "\(ref.count) \(ref.dtype) elements")
            }
            return TorchStorageBytes(dtype: ref.dtype, bytes: bytes)
        }
    }

    private static func entryBytes(_ entry: Entry, in archive: Archive, source: String) throws -> [UInt8] {
        var data = Data()
        data.reserveCapacity(Int(entry.uncompressedSize))
        do {
            _ = try archive.extract(entry) { data.append($0) }
        } catch {
            throw LMConvError.corruptFile(source: source,
                                          reason: "cannot read zip entry '\(entry.path)' (truncated or corrupt)")
        }
        guard data.count == Int(entry.uncompressedSize) else {
            throw LMConvError.corruptFile(source: source, reason: "zip entry '\(entry.path)' is truncated "
                              + "(\(data.count) of \(entry.uncompressedSize) bytes)")
        }
        return [UInt8](data)
    }
}
