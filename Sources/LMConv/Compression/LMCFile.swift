// The .lmc container of `lmconv compress`: a header that says which model and image geometry the data needs, a
// table of the images (order, pixel CRC, name), the coded length of each stream, then the rANS streams, one per
// group of images coded together. docs/FORMAT.md documents it byte by byte; LMCFileParsing.swift reads it.

/// A .lmc file: images compressed with one model, all of one geometry.
public struct LMCFile: Equatable, Sendable {
    /// The 8 bytes every .lmc file starts with: 0x89 "LMC" CR LF 0x1A LF (PNG's trick: a transfer that mangles
    /// line ends or the high bit breaks the magic).
    public static let magic: [UInt8] = [0x89, 0x4C, 0x4D, 0x43, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The format version this code writes. (Version 1, with fixed-width fields and a CRC per image's coded data,
    /// was never released; version 2 gave every image its own stream and table entry of at least 7 bytes; version 3
    /// codes groups of images in one stream and spends 4 bytes per image, its pixel CRC, when no image has a name or
    /// an order index other than 0.)
    public static let version: UInt16 = 3
    /// The versions this code reads.
    public static let readableVersions: ClosedRange<UInt16> = 2...3
    /// The largest number of images one stream may hold (a reader refuses more: the decoder must hold a whole group
    /// in one network batch).
    public static let maximumGroupSize = 4096

    /// What a sub-pixel is.
    public enum PixelKind: Equatable, Sendable {
        /// Binary pixels (±1), modelled by two logits; levels 0 (-1) and 1 (+1).
        case binary
        /// 2^bits levels (bits in 1...8), modelled by a discretized logistic mixture.
        case levels(bits: Int)

        /// The number of levels of a sub-pixel.
        public var levelCount: Int {
            switch self {
            case .binary: return 2
            case let .levels(bits): return 1 << bits
            }
        }
    }

    /// The shape shared by every image of the file.
    public struct Geometry: Equatable, Sendable {
        public var channels: Int
        public var height: Int
        public var width: Int
        public var pixels: PixelKind

        public init(channels: Int, height: Int, width: Int, pixels: PixelKind) {
            self.channels = channels
            self.height = height
            self.width = width
            self.pixels = pixels
        }

        /// The geometry of the images `configuration` models.
        public init(configuration: ModelConfiguration) {
            self.init(channels: configuration.channels, height: configuration.height, width: configuration.width,
                      pixels: configuration.binarize ? .binary : .levels(bits: configuration.nBits))
        }

        /// Sub-pixels per image, C * H * W.
        public var subPixelCount: Int { channels * height * width }
    }

    /// One compressed image's entry in the table (its coded data is part of its group's stream).
    public struct Image: Equatable, Sendable {
        /// Which of the codec's generation orders coded it (an index into the list the fingerprint covers).
        public var orderIndex: Int
        /// ``LMCFile/pixelCRC(levels:)`` of its levels, checked after decoding.
        public var pixelCRC: UInt32
        /// The input's file name (a base name, for PNG inputs), or nil.
        public var name: String?

        public init(orderIndex: Int, pixelCRC: UInt32, name: String?) {
            self.orderIndex = orderIndex
            self.pixelCRC = pixelCRC
            self.name = name
        }
    }

    public var fingerprint: ModelFingerprint
    public var geometry: Geometry
    public var images: [Image]
    /// Images per stream: ``groups(orderIndices:groupSize:)`` cuts the images of each order into runs of this many.
    public var groupSize: Int
    /// One rANS stream per group of ``groups``, in that order: the group's images coded together, sub-pixel step by
    /// sub-pixel step, image after image within a step.
    public var streams: [[UInt8]]

    public init(fingerprint: ModelFingerprint, geometry: Geometry, images: [Image], groupSize: Int, streams: [[UInt8]]) {
        self.fingerprint = fingerprint
        self.geometry = geometry
        self.images = images
        self.groupSize = groupSize
        self.streams = streams
    }

    /// The images of each stream: image indices ordered by order index, then by index, cut every `groupSize`
    /// images and wherever the order index changes (a stream codes images of one order in lockstep).
    public static func groups(orderIndices: [Int], groupSize: Int) -> [[Int]] {
        precondition(groupSize >= 1)
        let sorted = orderIndices.indices.sorted { (orderIndices[$0], $0) < (orderIndices[$1], $1) }
        var groups: [[Int]] = []
        for i in sorted {
            if let last = groups.last?.last, orderIndices[last] == orderIndices[i], groups[groups.count - 1].count < groupSize {
                groups[groups.count - 1].append(i)
            } else {
                groups.append([i])
            }
        }
        return groups
    }

    /// This file's groups (see ``groups(orderIndices:groupSize:)``), one per stream.
    public var groups: [[Int]] { Self.groups(orderIndices: images.map(\.orderIndex), groupSize: groupSize) }

    /// Bytes of coded data: every stream, without the header.
    public var codedByteCount: Int { streams.reduce(0) { $0 + $1.count } }

    /// CRC-32 (zlib's) of an image's levels, one byte per sub-pixel in (C, H, W) layout (binary: 0 for -1, 1 for +1).
    public static func pixelCRC(levels: [Int]) -> UInt32 {
        ZlibCodec.crc32(levels.map { UInt8(truncatingIfNeeded: $0) }[...])
    }

    /// Throws unless decoded `levels` match image `index`'s CRC (a different model computation here than at
    /// compression, or corrupt data the coder did not notice). `source` names the file.
    public func checkPixels(_ levels: [Int], image index: Int, source: String) throws {
        let image = images[index]
        guard Self.pixelCRC(levels: levels) == image.pixelCRC else {
            throw LMConvError.corruptFile(source: source, reason: "image \(index)\(image.name.map { " (\($0))" } ?? ""): decoded pixels fail their CRC "
                + "(the model computes differently here than where the file was made, or the file is corrupt)")
        }
    }

    /// Throws unless `name` can be stored: non-empty, at most 65535 UTF-8 bytes, a plain file name (no '/', '\\'
    /// or NUL, not "." or "..") so that a decoder can write it in its output folder safely.
    static func checkName(_ name: String, source: String) throws {
        let utf8 = Array(name.utf8)
        guard !utf8.isEmpty, utf8.count <= 65535, !utf8.contains(0), !utf8.contains(0x2F), !utf8.contains(0x5C),
              name != ".", name != ".." else {
            throw LMConvError.invalidArgument(source: source, reason: "image name '\(name)' is not a plain file name of 1 to 65535 bytes")
        }
    }

    /// Throws unless the geometry is one the format can describe (see docs/FORMAT.md).
    static func checkGeometry(_ g: Geometry, source: String) throws {
        switch g.pixels {
        case .binary:
            guard g.channels == 1 else { throw LMConvError.shapeMismatch(source: source, reason: "binary images must have 1 channel, not \(g.channels)") }
        case let .levels(bits):
            guard (1...8).contains(bits) else { throw LMConvError.shapeMismatch(source: source, reason: "\(bits) bits per sub-pixel (expected 1 to 8)") }
            guard g.channels == 1 || g.channels == 3 else {
                throw LMConvError.shapeMismatch(source: source, reason: "\(g.channels) channels (expected 1 or 3)")
            }
        }
        guard (1...65535).contains(g.height), (1...65535).contains(g.width) else {
            throw LMConvError.shapeMismatch(source: source, reason: "image size \(g.height)x\(g.width) (expected 1 to 65535 each)")
        }
    }

    /// The file's bytes (version 3). Throws for a geometry, group size, order index or name the format cannot hold,
    /// or streams that do not match the groups; `source` names the file in errors.
    public func serialized(source: String) throws -> [UInt8] {
        try Self.checkGeometry(geometry, source: source)
        guard (1...Self.maximumGroupSize).contains(groupSize) else {
            throw LMConvError.shapeMismatch(source: source, reason: "\(groupSize) images per stream (expected 1 to \(Self.maximumGroupSize))")
        }
        for (index, image) in images.enumerated() where !(0...Int(UInt32.max)).contains(image.orderIndex) {
            throw LMConvError.shapeMismatch(source: source, reason: "image \(index): order index \(image.orderIndex) does not fit 32 bits")
        }
        let groupCount = groups.count
        guard streams.count == groupCount else {
            throw LMConvError.shapeMismatch(source: source, reason: "\(streams.count) streams for \(groupCount) groups of images")
        }
        let hasOrders = images.contains { $0.orderIndex != 0 }, hasNames = images.contains { $0.name != nil }
        var names = Set<String>()
        var out = Self.magic
        out.append(UInt8(Self.version))
        switch geometry.pixels {
        case .binary: out += [1, 1]
        case let .levels(bits): out += [0, UInt8(bits)]
        }
        appendVarint(&out, UInt64(geometry.channels))
        appendVarint(&out, UInt64(geometry.height))
        appendVarint(&out, UInt64(geometry.width))
        out += fingerprint.bytes
        appendVarint(&out, UInt64(images.count))
        out.append((hasOrders ? Flags.orderIndices : 0) | (hasNames ? Flags.names : 0))
        appendVarint(&out, UInt64(groupSize))
        for (index, image) in images.enumerated() {
            if hasOrders { appendVarint(&out, UInt64(image.orderIndex)) }
            appendLittleEndian(&out, UInt64(image.pixelCRC), bytes: 4)
            guard hasNames else { continue }
            if let name = image.name {
                try Self.checkName(name, source: "\(source): image \(index)")
                guard names.insert(name).inserted else {
                    throw LMConvError.invalidArgument(source: source, reason: "image \(index): name '\(name)' is used twice")
                }
                appendVarint(&out, UInt64(name.utf8.count))
                out += Array(name.utf8)
            } else {
                appendVarint(&out, 0)
            }
        }
        for stream in streams { appendVarint(&out, UInt64(stream.count)) }
        appendLittleEndian(&out, UInt64(ZlibCodec.crc32(out[...])), bytes: 4)
        for stream in streams { out += stream }
        return out
    }

    /// The bits of the flags byte (version 3): which optional fields the image table holds.
    enum Flags {
        /// Every entry starts with its order index (otherwise every image was coded in order 0).
        static let orderIndices: UInt8 = 1
        /// Every entry ends with a name length and name (otherwise no image has a name).
        static let names: UInt8 = 2
    }

    /// Writes the file atomically (temporary file, fsync, rename).
    public func write(to path: String) throws {
        try AtomicFile.write(serialized(source: path), to: path)
    }
}

/// Appends `value` as an unsigned LEB128 varint: 7 bits a byte, low bits first, the high bit set on all but the last.
@inline(__always)
func appendVarint(_ out: inout [UInt8], _ value: UInt64) {
    var v = value
    while v >= 0x80 {
        out.append(UInt8(v & 0x7F) | 0x80)
        v >>= 7
    }
    out.append(UInt8(v))
}

@inline(__always)
func appendLittleEndian(_ out: inout [UInt8], _ value: UInt64, bytes: Int) {
    for i in 0..<bytes { out.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
}
