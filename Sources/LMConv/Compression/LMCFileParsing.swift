// Reading a .lmc file: every field is checked before it is trusted, and every refusal is one line naming the file
// and what is wrong (docs/FORMAT.md lists them).

extension LMCFile {
    /// Reads and checks the file at `path` (see ``init(parsing:source:expectedFingerprint:)``).
    public static func read(path: String, expectedFingerprint: ModelFingerprint? = nil) throws -> LMCFile {
        try LMCFile(parsing: DataFile.read(path), source: path, expectedFingerprint: expectedFingerprint)
    }

    /// Parses a .lmc file of version 2 or 3. Throws an `LMConvError` naming `source` for a wrong magic number or
    /// version, a header that is truncated, inconsistent or fails its CRC, coded lengths that do not add up to the
    /// file's size (truncated file or trailing bytes), or a fingerprint other than `expectedFingerprint` (when
    /// given). The coded data has no checksum of its own: decoding checks it (the rANS end state), then the pixel
    /// CRCs (``checkPixels(_:image:source:)``).
    public init(parsing bytes: [UInt8], source: String, expectedFingerprint: ModelFingerprint? = nil) throws {
        var reader = LMCByteReader(bytes: bytes, source: source)
        guard bytes.count >= Self.magic.count, Array(bytes[0..<Self.magic.count]) == Self.magic else {
            throw LMConvError.corruptFile(source: source, reason: "not a .lmc file (wrong magic number)")
        }
        reader.position = Self.magic.count
        let version = try reader.integer(bytes: 1, "version")
        guard Self.readableVersions.contains(UInt16(version)) else {
            throw LMConvError.invalidArgument(source: source, reason: ".lmc version \(version), this program reads versions "
                + "\(Self.readableVersions.lowerBound) to \(Self.readableVersions.upperBound)")
        }
        // First the raw fields up to the header CRC, then the CRC, then what the fields mean: a corrupt header is
        // reported as such rather than as whichever field the corruption happened to hit.
        let kind = try reader.integer(bytes: 1, "pixel kind"), bits = Int(try reader.integer(bytes: 1, "bits"))
        let channels = try reader.varint("channels", limit: 65535)
        let height = try reader.varint("height", limit: 1 << 20), width = try reader.varint("width", limit: 1 << 20)
        let fingerprint = ModelFingerprint(bytes: try reader.bytes(32, "model fingerprint"))
        // Every image takes at least 4 bytes of the table: a count beyond the file is a truncated (or corrupt) file,
        // refused before anything is allocated for it.
        let count = try reader.varint("image count", limit: UInt64(bytes.count / 4))
        // Version 2: every entry holds an order index, a coded length and a name; each image is its own stream.
        var flags = Flags.orderIndices | Flags.names, groupSize = 1
        if version >= 3 {
            flags = UInt8(try reader.integer(bytes: 1, "flags"))
            groupSize = try reader.varint("images per stream", limit: UInt64(Self.maximumGroupSize))
            guard groupSize >= 1 else { throw LMConvError.corruptFile(source: source, reason: "0 images per stream (corrupt header)") }
        }
        var orderIndices: [Int] = [], crcs: [UInt32] = [], rawNames: [[UInt8]] = [], imageLengths: [Int] = []
        for index in 0..<count {
            let what = "image \(index) of \(count)"
            orderIndices.append(flags & Flags.orderIndices != 0
                ? try reader.varint("\(what): order index", limit: UInt64(UInt32.max)) : 0)
            crcs.append(UInt32(try reader.integer(bytes: 4, "\(what): pixel CRC")))
            if version == 2 { imageLengths.append(try reader.varint("\(what): coded length", limit: UInt64(bytes.count))) }
            if flags & Flags.names != 0 {
                let nameLength = try reader.varint("\(what): name length", limit: 65535)
                rawNames.append(try reader.bytes(nameLength, "\(what): name"))
            } else {
                rawNames.append([])
            }
        }
        let groups = Self.groups(orderIndices: orderIndices, groupSize: groupSize)
        var lengths: [Int]   // per group
        if version == 2 {
            lengths = groups.map { imageLengths[$0[0]] }   // groups of one image
        } else {
            lengths = try groups.indices.map { g in
                try reader.varint("stream \(g) of \(groups.count): coded length", limit: UInt64(bytes.count))
            }
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
        guard flags & ~(Flags.orderIndices | Flags.names) == 0 else {
            throw LMConvError.corruptFile(source: source, reason: "unknown flags \(flags) (written by a newer program, or corrupt)")
        }
        let geometry = Geometry(channels: channels, height: height, width: width, pixels: pixels)
        try Self.checkGeometry(geometry, source: source)
        var names: [String?] = []   // per image
        var seen = Set<String>()
        for (index, raw) in rawNames.enumerated() {
            guard !raw.isEmpty else { names.append(nil); continue }
            let what = "image \(index) of \(count)"
            guard let text = String(validating: raw, as: UTF8.self) else {
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
        for length in lengths {
            let (sum, overflow) = declared.addingReportingOverflow(UInt64(length))
            guard !overflow, sum <= remaining else {
                throw LMConvError.corruptFile(source: source, reason: "the coded lengths add up to more than the \(remaining) bytes after the header (truncated file)")
            }
            declared = sum
        }
        guard declared == remaining else {
            throw LMConvError.corruptFile(source: source, reason: "\(remaining - declared) bytes of trailing garbage after the last stream")
        }
        // Version 2 stores the streams in image order; as groups of one image they are read in group order.
        var offsets = [Int](repeating: 0, count: groups.count), next = reader.position
        let storage = version == 2 ? groups.indices.sorted { groups[$0][0] < groups[$1][0] } : Array(groups.indices)
        for g in storage {
            offsets[g] = next
            next += lengths[g]
        }
        let streams = groups.indices.map { Array(bytes[offsets[$0]..<(offsets[$0] + lengths[$0])]) }
        let images = (0..<count).map { Image(orderIndex: orderIndices[$0], pixelCRC: crcs[$0], name: names[$0]) }
        self.init(fingerprint: fingerprint, geometry: geometry, images: images, groupSize: groupSize, streams: streams)
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
