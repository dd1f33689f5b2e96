/// One feature of a `tf.train.Example`: a list of byte strings, of floats or of 64-bit integers.
public enum TFFeature: Sendable, Equatable {
    case bytes([[UInt8]])
    case floats([Float])
    case int64s([Int64])
}

/// A `tf.train.Example`, the record type of TensorFlow's TFRecord datasets (tensorflow/core/example/example.proto):
///
///     message Example  { Features features = 1; }
///     message Features { map<string, Feature> feature = 1; }
///     message Feature  { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
///     message BytesList { repeated bytes value = 1; }
///     message FloatList { repeated float value = 1 [packed = true]; }
///     message Int64List { repeated int64 value = 1 [packed = true]; }
///
/// Parsing follows protobuf's rules: unknown fields are skipped, numbers may be packed or not, a repeated key or a
/// second `kind` replaces the first, and a feature with no kind at all is left out.
public struct TFExample: Sendable, Equatable {
    /// The features by name.
    public var features: [String: TFFeature]

    public init(features: [String: TFFeature]) { self.features = features }

    /// Parses a serialized Example; errors say what is malformed (callers add the file and record).
    public init(parsing bytes: ArraySlice<UInt8>) throws {
        features = [:]
        var example = ProtobufReader(bytes)
        while !example.isAtEnd {
            let (field, type) = try example.readKey()
            guard field == 1, type == .lengthDelimited else { try example.skip(type); continue }
            var map = ProtobufReader(try example.readLengthDelimited())    // Features
            while !map.isAtEnd {
                let (field, type) = try map.readKey()
                guard field == 1, type == .lengthDelimited else { try map.skip(type); continue }
                let (name, feature) = try Self.parseEntry(try map.readLengthDelimited())
                features[name] = feature
            }
        }
    }

    /// One map entry: key (1, a string) and value (2, a Feature).
    private static func parseEntry(_ bytes: ArraySlice<UInt8>) throws -> (String, TFFeature?) {
        var entry = ProtobufReader(bytes)
        var name = ""
        var feature: TFFeature?
        while !entry.isAtEnd {
            let (field, type) = try entry.readKey()
            switch (field, type) {
            case (1, .lengthDelimited):
                name = String(decoding: try entry.readLengthDelimited(), as: UTF8.self)
            case (2, .lengthDelimited):
                feature = try parseFeature(try entry.readLengthDelimited())
            default:
                try entry.skip(type)
            }
        }
        return (name, feature)
    }

    private static func parseFeature(_ bytes: ArraySlice<UInt8>) throws -> TFFeature? {
        var reader = ProtobufReader(bytes)
        var kind: TFFeature?
        while !reader.isAtEnd {
            let (field, type) = try reader.readKey()
            guard (1...3).contains(field), type == .lengthDelimited else { try reader.skip(type); continue }
            let list = try reader.readLengthDelimited()
            switch field {
            case 1: kind = .bytes(try parseBytesList(list))
            case 2: kind = .floats(try parseFloatList(list))
            default: kind = .int64s(try parseInt64List(list))
            }
        }
        return kind
    }

    private static func parseBytesList(_ bytes: ArraySlice<UInt8>) throws -> [[UInt8]] {
        var reader = ProtobufReader(bytes)
        var values: [[UInt8]] = []
        while !reader.isAtEnd {
            let (field, type) = try reader.readKey()
            if field == 1, type == .lengthDelimited { values.append(Array(try reader.readLengthDelimited())) }
            else { try reader.skip(type) }
        }
        return values
    }

    private static func parseFloatList(_ bytes: ArraySlice<UInt8>) throws -> [Float] {
        var reader = ProtobufReader(bytes)
        var values: [Float] = []
        while !reader.isAtEnd {
            let (field, type) = try reader.readKey()
            switch (field, type) {
            case (1, .lengthDelimited):    // packed: 4 bytes per value
                var packed = ProtobufReader(try reader.readLengthDelimited())
                guard packed.bytes.count % 4 == 0 else {
                    throw LMConvError.invalidArgument(reason: "tf.train.FloatList packed values are \(packed.bytes.count) bytes, not a multiple of 4")
                }
                while !packed.isAtEnd { values.append(Float(bitPattern: try packed.readFixed32())) }
            case (1, .fixed32):
                values.append(Float(bitPattern: try reader.readFixed32()))
            default:
                try reader.skip(type)
            }
        }
        return values
    }

    private static func parseInt64List(_ bytes: ArraySlice<UInt8>) throws -> [Int64] {
        var reader = ProtobufReader(bytes)
        var values: [Int64] = []
        while !reader.isAtEnd {
            let (field, type) = try reader.readKey()
            switch (field, type) {
            case (1, .lengthDelimited):    // packed varints
                var packed = ProtobufReader(try reader.readLengthDelimited())
                while !packed.isAtEnd { values.append(Int64(bitPattern: try packed.readVarint())) }
            case (1, .varint):
                values.append(Int64(bitPattern: try reader.readVarint()))
            default:
                try reader.skip(type)
            }
        }
        return values
    }

    /// The serialized Example, features in name order, numbers packed (as TensorFlow writes them).
    public func serialized() -> [UInt8] {
        var map = ProtobufWriter()
        for name in features.keys.sorted() {
            var list = ProtobufWriter()
            let kindField: Int
            switch features[name]! {
            case .bytes(let values):
                kindField = 1
                for v in values { list.writeLengthDelimited(field: 1, v) }
            case .floats(let values):
                kindField = 2
                var packed = ProtobufWriter()
                for v in values { packed.writeFixed32(v.bitPattern) }
                list.writeLengthDelimited(field: 1, packed.bytes)
            case .int64s(let values):
                kindField = 3
                var packed = ProtobufWriter()
                for v in values { packed.writeVarint(UInt64(bitPattern: v)) }
                list.writeLengthDelimited(field: 1, packed.bytes)
            }
            var feature = ProtobufWriter()
            feature.writeLengthDelimited(field: kindField, list.bytes)
            var entry = ProtobufWriter()
            entry.writeLengthDelimited(field: 1, Array(name.utf8))
            entry.writeLengthDelimited(field: 2, feature.bytes)
            map.writeLengthDelimited(field: 1, entry.bytes)
        }
        var example = ProtobufWriter()
        example.writeLengthDelimited(field: 1, map.bytes)
        return example.bytes
    }
}
