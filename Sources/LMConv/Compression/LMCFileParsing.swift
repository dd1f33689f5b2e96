// Reading a .lmc file: every field is checked before it is trusted, and every refusal is one line naming the file
// and what is wrong (docs/FORMAT.md lists them).

extension LMCFile {
    /// Reads and checks the file at `path` (see ``init(parsing:source:expectedFingerprint:)``).
    public static func read(path: String, expectedFingerprint: ModelFingerprint? = nil) throws -> LMCFile {
        try LMCFile(parsing: DataFile.read(path), source: path, expectedFingerprint: expectedFingerprint)
    }

    /// Parses a .lmc file. Throws an `LMConvError` naming `source` for a wrong magic number or version, a header
    /// that is truncated, inconsistent or fails its CRC, coded lengths that do not add up to the file's size
    /// (truncated file or trailing bytes), coded data that fails its CRC, or a fingerprint other than
    /// `expectedFingerprint` (when given). The pixel CRCs can only be checked after decoding
    /// (``checkPixels(_:image:source:)``).
    public init(parsing bytes: [UInt8], source: String, expectedFingerprint: ModelFingerprint? = nil) throws {
        var reader = LMCByteReader(bytes: bytes, source: source)
        guard bytes.count >= Self.magic.count, Array(bytes[0..<Self.magic.count]) == Self.magic else {
            throw LMConvError.corruptFile(source: source, reason: "not a .lmc file (wrong magic number)")
        }
        reader.position = Self.magic.count
        let version = try reader.integer(bytes: 1, "version")
        guard version == UInt64(Self.version) else {
            throw LMConvError.invalidArgument(source: source, reason: ".lmc version \(version), this program reads version \(Self.version)")
        }
        // First the raw fields up to the header CRC, then the CRC, then what the fields mean: a corrupt header is
        // reported as such rather than as whichever field the corruption happened to hit.
        let kind = try reader.integer(bytes: 1, "pixel kind"), bits = Int(try reader.integer(bytes: 1, "bits"))
        let channels = try reader.varint("channels", limit: 65535)
        let height = try reader.varint("height", limit: 1 << 20), width = try reader.varint("width", limit: 1 << 20)
        let fingerprint = ModelFingerprint(bytes: try reader.bytes(32, "model fingerprint"))
        // Every image takes at least 7 bytes of the table: a count beyond the file is a truncated (or corrupt) file,
        // refused before anything is allocated for it.
        let count = try reader.varint("image count", limit: UInt64(bytes.count))
        struct Entry { var orderIndex: Int, pixelCRC: UInt32, length: UInt64, name: [UInt8] }
        var entries: [Entry] = []
        for index in 0..<count {
            let what = "image \(index) of \(count)"
            let orderIndex = try reader.varint("\(what): order index", limit: UInt64(UInt32.max))
            let pixelCRC = UInt32(try reader.integer(bytes: 4, "\(what): pixel CRC"))
            let length = UInt64(try reader.varint("\(what): coded length", limit: UInt64(bytes.count)))
            let nameLength = try reader.varint("\(what): name length", limit: 65535)
            let name = try reader.bytes(nameLength, "\(what): name")
            entries.append(Entry(orderIndex: orderIndex, pixelCRC: pixelCRC, length: length, name: name))
        }
        let headerEnd = reader.position
        let headerCRC = UInt32(try reader.integer(bytes: 4, "header CRC"))
        guard ZlibCodec.crc32(bytes[0..<headerEnd]) == headerCRC else {
            throw LMConvError.corruptFile(source: source, reason: "header fails its CRC (corrupt file)")
        }

        let pixels: PixelKind
        switch kind {
        case 0: pixels = .levels(bits: bits)
        case 1:
            guard bits == 1 else { throw LMConvError.corruptFile(source: source, reason: "binary pixels with \(bits) bits (corrupt header)") }
            pixels = .binary
        default: throw LMConvError.corruptFile(source: source, reason: "unknown pixel kind \(kind) (corrupt header)")
        }
        let geometry = Geometry(channels: channels, height: height, width: width, pixels: pixels)
        try Self.checkGeometry(geometry, source: source)
        var names: [String?] = []   // per image
        var seen = Set<String>()
        for (index, entry) in entries.enumerated() {
            guard !entry.name.isEmpty else { names.append(nil); continue }
            let what = "image \(index) of \(count)"
            guard let text = String(validating: entry.name, as: UTF8.self) else {
                throw LMConvError.corruptFile(source: source, reason: "\(what): name is not valid UTF-8 (corrupt header)")
            }
            try Self.checkName(text, source: "\(source): \(what)")
            guard seen.insert(text).inserted else {
                throw LMConvError.corruptFile(source: source, reason: "\(what): name '\(text)' is used twice (corrupt header)")
            }
            names.append(text)
        }
        if let expectedFingerprint, expectedFingerprint != fingerprint {
            throw LMConvError.invalidArgument(source: source, reason: "compressed with another model (fingerprint \(fingerprint.description.prefix(16))..., "
                + "this model's is \(expectedFingerprint.description.prefix(16))...)")
        }

        // The coded lengths must add up to exactly the rest of the file.
        let remaining = UInt64(bytes.count - reader.position)
        var declared: UInt64 = 0
        for entry in entries {
            let (sum, overflow) = declared.addingReportingOverflow(entry.length)
            guard !overflow, sum <= remaining else {
                throw LMConvError.corruptFile(source: source, reason: "the images' coded lengths add up to more than the \(remaining) bytes after the header (truncated file)")
            }
            declared = sum
        }
        guard declared == remaining else {
            throw LMConvError.corruptFile(source: source, reason: "\(remaining - declared) bytes of trailing garbage after the last image")
        }
        var images: [Image] = []
        images.reserveCapacity(count)
        for (index, entry) in entries.enumerated() {
            let data = try reader.bytes(Int(entry.length), "image \(index): coded data")
            images.append(Image(orderIndex: entry.orderIndex, pixelCRC: entry.pixelCRC, name: names[index], data: data))
        }
        self.init(fingerprint: fingerprint, geometry: geometry, images: images)
    }
}

/// Reads little-endian fields from a byte array, throwing "truncated" instead of reading past the end.
struct LMCByteReader {
    let bytes: [UInt8]
    let source: String
    var position = 0

    mutating func bytes(_ count: Int, _ what: String) throws -> [UInt8] {
        guard count <= bytes.count - position else {
            throw LMConvError.corruptFile(source: source, reason: "file ends inside \(what) at byte \(position) (truncated file)")
        }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    /// An unsigned LEB128 varint of at most 10 bytes; throws "truncated" at the file's end and "corrupt" for a value
    /// above `limit` (or one that does not fit 64 bits).
    mutating func varint(_ what: String, limit: UInt64) throws -> Int {
        var value: UInt64 = 0, shift: UInt64 = 0
        while true {
            let byte = try bytes(1, what)[0]
            guard shift < 63 || (shift == 63 && byte <= 1) else {
                throw LMConvError.corruptFile(source: source, reason: "\(what) does not fit 64 bits (corrupt header)")
            }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard value <= limit else {
            throw LMConvError.corruptFile(source: source, reason: "\(what) \(value) is impossible here (corrupt or truncated file)")
        }
        return Int(value)
    }

    mutating func integer(bytes count: Int, _ what: String) throws -> UInt64 {
        let raw = try bytes(count, what)
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(raw[i]) << (8 * i) }
        return value
    }
}
