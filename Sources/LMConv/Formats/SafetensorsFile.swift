import Foundation

// The safetensors format: an 8-byte little-endian header length n, n bytes of JSON header
// ({"__metadata__": {String: String}, "<name>": {"dtype", "shape", "data_offsets": [begin, end]}, ...}),
// then the raw little-endian tensor data; offsets are relative to the first byte after the header.

/// A whole safetensors file: string metadata and named tensors.
public struct SafetensorsFile: Sendable, Equatable {
    /// The header's `__metadata__` map (empty when absent).
    public var metadata: [String: String]
    public var tensors: [String: SafetensorsTensor]

    public init(metadata: [String: String] = [:], tensors: [String: SafetensorsTensor] = [:]) {
        self.metadata = metadata
        self.tensors = tensors
    }

    /// Reads and validates the file at `url`. Errors name the file.
    public static func read(contentsOf url: URL) throws -> SafetensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw exists ? LMConvError.unreadable(path: url.path, reason: "cannot read the safetensors file")
                : LMConvError.fileNotFound(path: url.path, reason: "no such safetensors file")
        }
        return try SafetensorsFile(bytes: [UInt8](data), source: url.path)
    }

    /// Parses a safetensors image held in memory; `source` (usually the path) prefixes every error message.
    public init(bytes: [UInt8], source: String) throws {
        func fail(_ what: String) -> LMConvError { LMConvError.corruptFile(source: source, reason: what) }

        guard bytes.count >= 8 else {
            throw fail("truncated safetensors file (\(bytes.count) bytes, shorter than the 8-byte header length)")
        }
        var headerLength: UInt64 = 0
        for i in (0..<8).reversed() { headerLength = headerLength << 8 | UInt64(bytes[i]) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail("truncated safetensors file (header says \(headerLength) header bytes, only \(bytes.count - 8) follow)")
        }
        let dataStart = 8 + Int(headerLength)
        let dataLength = bytes.count - dataStart

        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]), options: [])
        } catch {
            throw fail("bad safetensors header: not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw fail("bad safetensors header: not a JSON object") }

        var metadata: [String: String] = [:]
        if let rawMetadata = header["__metadata__"] {
            guard let map = rawMetadata as? [String: Any] else { throw fail("bad safetensors header: __metadata__ is not an object") }
            for (key, value) in map {
                guard let string = value as? String else {
                    throw fail("bad safetensors header: __metadata__ value for \"\(key)\" is not a string")
                }
                metadata[key] = string
            }
        }

        var tensors: [String: SafetensorsTensor] = [:]
        var ranges: [(begin: Int, end: Int, name: String)] = []
        for (name, entry) in header where name != "__metadata__" {
            guard let fields = entry as? [String: Any] else { throw fail("bad safetensors header: entry \"\(name)\" is not an object") }
            guard let dtypeName = fields["dtype"] as? String else { throw fail("tensor \"\(name)\": missing dtype") }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
                throw LMConvError.unsupported(source: source,
                                              reason: "tensor \"\(name)\": unsupported dtype \(dtypeName) (supported: \(known))")
            }
            guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor \"\(name)\": shape is missing or not a list of non-negative integers")
            }
            guard let offsets = integers(fields["data_offsets"]), offsets.count == 2 else {
                throw fail("tensor \"\(name)\": data_offsets is missing or not two integers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw fail("tensor \"\(name)\": data_offsets [\(begin), \(end)] out of range (data section has \(dataLength) bytes)")
            }
            let expected = shape.reduce(1, *) * dtype.byteWidth
            guard end - begin == expected else {
                throw fail("tensor \"\(name)\": data_offsets [\(begin), \(end)] span \(end - begin) bytes, "
                           + "shape \(shape) of \(dtypeName) needs \(expected)")
            }
            ranges.append((begin, end, name))
            tensors[name] = SafetensorsTensor(dtype: dtype, shape: shape,
                                              bytes: Array(bytes[(dataStart + begin)..<(dataStart + end)]))
        }

        // Tensors must not share bytes (empty tensors overlap nothing).
        let sorted = ranges.filter { $0.end > $0.begin }.sorted { $0.begin < $1.begin }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.begin < a.end {
            throw fail("tensors \"\(a.name)\" and \"\(b.name)\" have overlapping data_offsets")
        }

        self.init(metadata: metadata, tensors: tensors)
    }

    /// The file's bytes: tensors sorted by name and laid out in that order, the header padded with spaces
    /// to a multiple of 8 bytes (so the data section stays aligned).
    public func serialized() -> [UInt8] {
        var header: [String: HeaderEntry] = [:]
        if !metadata.isEmpty { header["__metadata__"] = .metadata(metadata) }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let tensor = tensors[name]!
            header[name] = .tensor(dtype: tensor.dtype.rawValue, shape: tensor.shape,
                                   offsets: [offset, offset + tensor.bytes.count])
            offset += tensor.bytes.count
        }
        // Cannot fail: the header holds only strings and integers.
        var headerBytes = try! JSONWriter.bytes(header)
        while headerBytes.count % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }

        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        let length = UInt64(headerBytes.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        out += headerBytes
        for name in names { out += tensors[name]!.bytes }
        return out
    }

    /// Writes the file atomically and durably (``AtomicFile``): a reader never sees a half-written file.
    public func write(to url: URL) throws {
        try AtomicFile.write(serialized(), to: url.path)
    }
}

// MARK: - Helpers

/// A value of the header's JSON object: the metadata map, or one tensor's entry.
private enum HeaderEntry: Encodable {
    case metadata([String: String])
    case tensor(dtype: String, shape: [Int], offsets: [Int])

    private enum Keys: String, CodingKey { case dtype, shape, data_offsets }

    func encode(to encoder: Encoder) throws {
        switch self {
        case .metadata(let map):
            var container = encoder.singleValueContainer()
            try container.encode(map)
        case .tensor(let dtype, let shape, let offsets):
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(dtype, forKey: .dtype)
            try container.encode(shape, forKey: .shape)
            try container.encode(offsets, forKey: .data_offsets)
        }
    }
}

/// A JSON array of integers as `[Int]`, or nil if it is anything else.
private func integers(_ value: Any?) -> [Int]? {
    guard let array = value as? [Any] else { return nil }
    var result: [Int] = []
    for element in array {
        // JSONSerialization yields NSNumber; reject fractional numbers.
        guard let number = element as? NSNumber, let int = Int(exactly: number.doubleValue) else { return nil }
        result.append(int)
    }
    return result
}
