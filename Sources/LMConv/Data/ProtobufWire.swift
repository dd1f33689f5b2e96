/// The protocol-buffers wire format, just as much as `tf.train.Example` needs: a message is a sequence of fields, each
/// a varint key (field number << 3 | wire type) followed by a varint (type 0), 8 bytes (1), a varint length and that
/// many bytes (2: strings, bytes, sub-messages and packed repeated numbers) or 4 bytes (5). Groups (3, 4) are
/// obsolete and rejected. Errors are `LMConvError`s without a file name; callers add where the message came from.
public enum ProtobufWireType: UInt8, Sendable {
    case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
}

/// Reads the fields of one serialized message from front to back.
public struct ProtobufReader {
    /// The message's bytes; indices are those of the buffer it was cut from.
    public let bytes: ArraySlice<UInt8>
    /// Index of the next unread byte.
    public private(set) var position: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    /// Whether every field has been read.
    public var isAtEnd: Bool { position >= bytes.endIndex }

    /// A base-128 varint, least significant group first, at most 10 bytes.
    public mutating func readVarint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.endIndex else { throw LMConvError.invalidArgument(reason: "protobuf varint is truncated") }
            let byte = bytes[position]
            position += 1
            // The tenth byte may only carry the top bit of a 64-bit value.
            guard shift < 63 || byte <= 1 else { throw LMConvError.invalidArgument(reason: "protobuf varint is longer than 64 bits") }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// The next field's number and wire type.
    public mutating func readKey() throws -> (field: Int, wireType: ProtobufWireType) {
        let key = try readVarint()
        guard let type = ProtobufWireType(rawValue: UInt8(key & 7)) else {
            throw LMConvError.invalidArgument(reason: "protobuf field has an invalid wire type \(key & 7)")
        }
        let field = key >> 3
        guard field >= 1, field < 1 << 29 else { throw LMConvError.invalidArgument(reason: "protobuf field number \(field) is invalid") }
        return (Int(field), type)
    }

    /// A length-delimited payload (wire type 2).
    public mutating func readLengthDelimited() throws -> ArraySlice<UInt8> {
        let length = try readVarint()
        let available = bytes.endIndex - position
        guard length <= UInt64(available) else {
            throw LMConvError.invalidArgument(reason: "protobuf field of \(length) bytes runs past the end of its message (\(available) left)")
        }
        let start = position
        position += Int(length)
        return bytes[start..<position]
    }

    /// A little-endian 4-byte value (wire type 5).
    public mutating func readFixed32() throws -> UInt32 {
        guard bytes.endIndex - position >= 4 else { throw LMConvError.invalidArgument(reason: "protobuf fixed32 field is truncated") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[position + i]) << (8 * i) }
        position += 4
        return v
    }

    /// Skips the value of a field of `wireType` (an unknown field).
    public mutating func skip(_ wireType: ProtobufWireType) throws {
        switch wireType {
        case .varint: _ = try readVarint()
        case .fixed64:
            guard bytes.endIndex - position >= 8 else { throw LMConvError.invalidArgument(reason: "protobuf fixed64 field is truncated") }
            position += 8
        case .lengthDelimited: _ = try readLengthDelimited()
        case .fixed32: _ = try readFixed32()
        case .startGroup, .endGroup: throw LMConvError.unsupported(reason: "protobuf groups (wire types 3 and 4) are not supported")
        }
    }
}

/// Builds serialized messages (for writing TFRecord files and for tests).
public struct ProtobufWriter {
    /// The message so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    public mutating func writeKey(field: Int, _ wireType: ProtobufWireType) {
        writeVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    /// Field `field` holding `payload` (bytes, a string or a sub-message).
    public mutating func writeLengthDelimited<C: Collection>(field: Int, _ payload: C) where C.Element == UInt8 {
        writeKey(field: field, .lengthDelimited)
        writeVarint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    public mutating func writeFixed32(_ value: UInt32) {
        for i in 0..<4 { bytes.append(UInt8((value >> (8 * i)) & 0xFF)) }
    }
}
