import Foundation

extension TorchCheckpoint {
    /// `torch.serialization.MAGIC_NUMBER`, 0x1950a86a20f9469cfc6c, as LONG1 stores it (little-endian).
    static let legacyMagic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]
    /// `torch.serialization.PROTOCOL_VERSION`.
    static let legacyProtocolVersion = 1001

    /// torch < 1.6: five consecutive pickles (magic number, protocol version, system info, the object, the list of
    /// storage keys), then for each key in that order an int64 little-endian element count and the raw elements.
    static func readLegacy(url: URL, source: String) throws -> PickleValue {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw LMConvError.unreadable(path: source,
                                         reason: "cannot read the checkpoint (\(error.localizedDescription))")
        }
        var machine = PickleMachine(bytes: bytes, source: source)

        guard case .value(.bigInt(let magic)) = try machine.load(), magic == legacyMagic else {
            throw LMConvError.corruptFile(source: source, reason: "not a PyTorch checkpoint (wrong magic number)")
        }
        guard let version = try machine.load().intValue, version == legacyProtocolVersion else {
            throw LMConvError.unsupported(source: source, reason: "unsupported legacy checkpoint protocol version")
        }
        let systemInfo = try machine.load().materialized(source: source) { _ in
            throw LMConvError.corruptFile(source: source, reason: "storage in the system info pickle")
        }
        if systemInfo["little_endian"]?.boolValue == false {
            throw LMConvError.unsupported(source: source, reason: "big-endian storages are not supported")
        }
        let object = try machine.load()
        let referenced = machine.storages
        let keyList = try machine.load().materialized(source: source) { _ in
            throw LMConvError.corruptFile(source: source, reason: "storage in the storage key list")
        }
        guard let keys = keyList.listValue?.compactMap(\.stringValue), keys.count == keyList.listValue?.count else {
            throw LMConvError.corruptFile(source: source,
                                          reason: "malformed storage key list (expected a list of strings)")
        }

        // Each storage's element width comes from the dtype its persistent id announced.
        var dtypes: [String: TorchDType] = [:]
        for ref in referenced { dtypes[ref.key] = ref.dtype }
        var data: [String: TorchStorageBytes] = [:]
        var position = machine.position
        for key in keys {
            guard let dtype = dtypes[key] else {
                throw LMConvError.corruptFile(source: source,
                                              reason: "storage '\(key)' is listed but no tensor uses it (unknown dtype)")
            }
            guard bytes.count - position >= 8 else {
                throw LMConvError.corruptFile(source: source,
                                              reason: "file is truncated (no element count for storage '\(key)')")
            }
            let count = bytes[position..<(position + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            position += 8
            guard count <= UInt64(bytes.count - position) / UInt64(dtype.byteCount) else {
                throw LMConvError.corruptFile(source: source,
                                              reason: "file is truncated (storage '\(key)' needs \(count) \(dtype) elements, "
                                  + "\(bytes.count - position) bytes left)")
            }
            let end = position + Int(count) * dtype.byteCount
            data[key] = TorchStorageBytes(dtype: dtype, bytes: Array(bytes[position..<end]))
            position = end
        }

        return try object.materialized(source: source) { ref in
            guard var storage = data[ref.key] else {
                throw LMConvError.corruptFile(source: source,
                                              reason: "storage '\(ref.key)' is missing (not in the file's storage list)")
            }
            if let view = ref.view {
                guard view.offset <= storage.elementCount, view.count <= storage.elementCount - view.offset else {
                    throw LMConvError.corruptFile(source: source,
                                                  reason: "storage view '\(view.viewKey)' (offset \(view.offset), "
                                      + "\(view.count) elements) exceeds storage '\(ref.key)' of "
                                      + "\(storage.elementCount) elements")
                }
                storage.elementOffset = view.offset
                storage.elementCount = view.count
            }
            return storage
        }
    }
}
