/// TensorFlow's TFRecord files (uncompressed): records back to back, each framed as
///
///     uint64 length            little-endian
///     uint32 masked CRC-32C of the 8 length bytes
///     length bytes of data
///     uint32 masked CRC-32C of the data
///
/// (``CRC32C/masked(_:)`` gives the masking). Both CRCs are verified. Errors name the file and the record index,
/// counting from 0.
public enum TFRecord {
    /// Bytes of framing around each record: 8 (length) + 4 + 4 (CRCs).
    public static let overhead = 16

    /// Calls `body` with the index and data of every record of `bytes` (a whole TFRecord file named `source`), in
    /// order. Throws at the first corrupt or truncated record, before calling `body` for it.
    public static func forEachRecord(
        in bytes: [UInt8], source: String, _ body: (Int, ArraySlice<UInt8>) throws -> Void
    ) throws {
        var offset = 0
        var index = 0
        while offset < bytes.count {
            let data = try record(in: bytes, at: offset, index: index, source: source)
            try body(index, data)
            offset = data.endIndex + 4
            index += 1
        }
    }

    /// The data of every record of `bytes`, checked.
    public static func records(in bytes: [UInt8], source: String) throws -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        try forEachRecord(in: bytes, source: source) { out.append($1) }
        return out
    }

    /// The record whose frame starts at `offset`, its CRCs verified.
    private static func record(in bytes: [UInt8], at offset: Int, index: Int, source: String) throws -> ArraySlice<UInt8> {
        func fail(_ what: String) -> LMConvError {
            LMConvError.invalidArgument(source: source, reason: "record index \(index) (at byte \(offset)): \(what)")
        }
        let remaining = bytes.count - offset
        guard remaining >= 12 else { throw fail("truncated header (\(remaining) of its 12 bytes)") }
        let length = littleEndian(bytes, at: offset, count: 8)
        let lengthCRC = UInt32(littleEndian(bytes, at: offset + 8, count: 4))
        let computedLengthCRC = CRC32C.masked(CRC32C.checksum(bytes[offset..<(offset + 8)]))
        guard lengthCRC == computedLengthCRC else {
            throw fail("length CRC mismatch (stored 0x\(hex(lengthCRC)), computed 0x\(hex(computedLengthCRC))): corrupt file")
        }
        let available = UInt64(remaining - 12)
        guard length <= available, available - length >= 4 else {
            throw fail("truncated (its header promises \(length) bytes of data and a 4-byte CRC, the file has \(available) more)")
        }
        let start = offset + 12
        let data = bytes[start..<(start + Int(length))]
        let dataCRC = UInt32(littleEndian(bytes, at: data.endIndex, count: 4))
        let computedDataCRC = CRC32C.masked(CRC32C.checksum(data))
        guard dataCRC == computedDataCRC else {
            throw fail("data CRC mismatch (stored 0x\(hex(dataCRC)), computed 0x\(hex(computedDataCRC))): corrupt file")
        }
        return data
    }

    /// `data` framed as one TFRecord record.
    public static func frame<C: Collection>(_ data: C) -> [UInt8] where C.Element == UInt8 {
        let payload = Array(data)
        var out = [UInt8]()
        out.reserveCapacity(payload.count + overhead)
        let length = UInt64(payload.count)
        for i in 0..<8 { out.append(UInt8((length >> (8 * UInt64(i))) & 0xFF)) }
        appendLittleEndian(CRC32C.masked(CRC32C.checksum(out)), to: &out)
        out += payload
        appendLittleEndian(CRC32C.masked(CRC32C.checksum(payload)), to: &out)
        return out
    }

    /// Writes `records` as a TFRecord file at `path`, atomically.
    public static func write(_ records: [[UInt8]], to path: String) throws {
        try AtomicFile.write(records.flatMap { frame($0) }, to: path)
    }

    private static func littleEndian(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<count { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return v
    }

    private static func appendLittleEndian(_ v: UInt32, to out: inout [UInt8]) {
        for i in 0..<4 { out.append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) }
    }

    private static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}
