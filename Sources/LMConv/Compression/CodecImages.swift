import Foundation

// The images `lmconv compress` takes and `lmconv decompress` gives back: PNG files (named), folders of PNGs, and
// the datasets of the package's loaders (IDX, .npy, CIFAR-10 binary; unnamed); written back as PNGs (under their
// names), one .npy or one IDX file.

/// Images of one geometry, 8-bit values, (N, C, H, W), with optional file names.
public struct CodecImages: Equatable, Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// (N, C, H, W) pixel values.
    public var pixels: [UInt8]
    /// One name per image (nil entries: unnamed), or empty for none.
    public var names: [String?]

    public init(channels: Int, height: Int, width: Int, pixels: [UInt8], names: [String?] = []) {
        precondition(channels > 0 && height > 0 && width > 0 && pixels.count % (channels * height * width) == 0)
        precondition(names.isEmpty || names.count == pixels.count / (channels * height * width))
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
        self.names = names
    }

    /// The images of a dataset, unnamed.
    public init(_ dataset: ImageDataset) {
        self.init(channels: dataset.channels, height: dataset.height, width: dataset.width, pixels: dataset.pixels)
    }

    public var count: Int { pixels.count / imageSize }

    /// Images `range` (clamped to the images there are), with their names.
    public func slice(_ range: Range<Int>) -> CodecImages {
        let r = min(range.lowerBound, count)..<min(range.upperBound, count)
        return CodecImages(channels: channels, height: height, width: width,
                           pixels: Array(pixels[(r.lowerBound * imageSize)..<(r.upperBound * imageSize)]),
                           names: names.isEmpty ? [] : Array(names[r]))
    }
    public var imageSize: Int { channels * height * width }
    public func image(_ i: Int) -> ArraySlice<UInt8> { pixels[(i * imageSize)..<((i + 1) * imageSize)] }
    public func name(_ i: Int) -> String? { names.isEmpty ? nil : names[i] }
}

extension CodecImages {
    /// The images of every input in turn: a PNG file (named by its file name), a folder (its PNG files by name, or
    /// its CIFAR-10 batches), a dataset file (IDX, .npy, CIFAR-10 .bin; unnamed), or a dataset source that is not a
    /// file (``ImageDataset/load(source:split:)``: `fashion-mnist` for its test images, `mnist-5k-test`, with
    /// preparations such as `@bits1`; unnamed). All must share one size and
    /// channel count. PNGs with an alpha channel or 16-bit samples are refused: the codec keeps 8-bit gray or RGB
    /// values only, so it could not restore them.
    public static func load(_ paths: [String]) throws -> CodecImages {
        guard !paths.isEmpty else { throw LMConvError.invalidArgument(reason: "no input images") }
        var all: CodecImages?
        for path in paths {
            for part in try loadOne(path) {
                guard let current = all else { all = part; continue }
                guard part.channels == current.channels, part.height == current.height, part.width == current.width else {
                    throw LMConvError.shapeMismatch(source: part.names.first.flatMap { $0 } ?? path,
                                                    reason: "\(part.channels)x\(part.height)x\(part.width) images after \(current.channels)x\(current.height)x\(current.width) ones: one .lmc file holds images of one size (compress them separately)")
                }
                let names = current.names.isEmpty && part.names.isEmpty ? []
                    : (current.names.isEmpty ? [String?](repeating: nil, count: current.count) : current.names)
                        + (part.names.isEmpty ? [String?](repeating: nil, count: part.count) : part.names)
                all = CodecImages(channels: current.channels, height: current.height, width: current.width,
                                  pixels: current.pixels + part.pixels, names: names)
            }
        }
        guard let all, all.count > 0 else { throw LMConvError.invalidArgument(source: paths[0], reason: "holds no images") }
        return all
    }

    private static func loadOne(_ path: String) throws -> [CodecImages] {
        guard FileManager.default.fileExists(atPath: path) else {
            // A dataset source: fashion-mnist (its test images), mnist-5k-test, a path with a preparation
            // (fashion-mnist@bits1: thresholded at 128), ...
            return [CodecImages(try ImageDataset.load(source: path, split: .test))]
        }
        let kind = try FileKind.at(path: path)
        if kind == .folder {
            let pngs = try ImageDataset.imageFiles(in: path, extensions: ["png"])
            if pngs.isEmpty {
                return [CodecImages(try ImageDataset.load(path: path))]
            }
            return try pngs.map { try loadPNG($0) }
        }
        let bytes = try DataFile.read(path)
        if FileKind.detect(head: bytes, name: (path as NSString).lastPathComponent, size: bytes.count) == .png {
            return [try loadPNG(path, bytes: bytes)]
        }
        return [CodecImages(try ImageDataset.load(path: path))]
    }

    private static func loadPNG(_ path: String, bytes given: [UInt8]? = nil) throws -> CodecImages {
        let bytes = try given ?? DataFile.read(path)
        // IHDR: bytes 24 (bit depth) and 25 (colour type: 4 gray + alpha, 6 RGBA); a tRNS chunk adds transparency.
        if bytes.count > 25 {
            if bytes[24] == 16 {
                throw LMConvError.unsupported(source: path, reason: "16-bit PNG: the codec keeps 8-bit samples only")
            }
            if bytes[25] == 4 || bytes[25] == 6 || containsChunk(bytes, "tRNS") {
                throw LMConvError.unsupported(source: path, reason: "PNG with transparency: the codec keeps gray or RGB only, not alpha")
            }
        }
        let image = try PNG.decode(bytes, source: path)
        return CodecImages(channels: image.channels, height: image.height, width: image.width, pixels: image.planar,
                           names: [(path as NSString).lastPathComponent])
    }

    private static func containsChunk(_ bytes: [UInt8], _ type: String) -> Bool {
        let tag = Array(type.utf8)
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            if Array(bytes[(offset + 4)..<(offset + 8)]) == tag { return true }
            offset += 12 + length
        }
        return false
    }

    /// The file names `write(png:)` gives the images: each one's own name, else image-NNNNN.png.
    public var outputNames: [String] {
        let digits = max(5, String(count - 1).count)
        return (0..<count).map { i in
            name(i) ?? "image-" + String(repeating: "0", count: max(0, digits - String(i).count)) + "\(i).png"
        }
    }

    /// Each image as a PNG file in `directory` (created if missing), under ``outputNames``. Refuses before writing
    /// anything when a name repeats or a file exists (unless `overwrite`); each file is written atomically.
    public func writePNGs(to directory: String, overwrite: Bool = false) throws -> [String] {
        let names = outputNames
        guard Set(names).count == names.count else {
            throw LMConvError.invalidArgument(source: directory, reason: "two images would get the same file name")
        }
        let paths = names.map { (directory as NSString).appendingPathComponent($0) }
        try Self.prepareOutput(directory: directory, files: paths, overwrite: overwrite)
        for (i, path) in paths.enumerated() {
            let image = RGBImage(planar: Array(self.image(i)), channels: channels, height: height, width: width)
            try PNG.write(image, to: path)
        }
        return paths
    }

    /// All images as one uint8 .npy array, (N, H, W) for one channel, (N, C, H, W) for three.
    public var npyBytes: [UInt8] {
        let shape = channels == 1 ? "(\(count), \(height), \(width))" : "(\(count), \(channels), \(height), \(width))"
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': \(shape), }"
        // Magic, version 1.0, header length; the header is padded with spaces to a multiple of 64 bytes with "\n".
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = header.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + pixels
    }

    /// All images as one IDX file of unsigned bytes (N, H, W), as MNIST's; one channel only.
    public func idxBytes(source: String) throws -> [UInt8] {
        guard channels == 1 else {
            throw LMConvError.unsupported(source: source, reason: "IDX holds one-channel images; use --format png or npy for RGB")
        }
        var out: [UInt8] = [0, 0, 8, 3]
        for d in [count, height, width] { out += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
        return out + pixels
    }

    /// Creates `directory` if needed and checks that none of `files` exists (unless `overwrite`).
    public static func prepareOutput(directory: String, files: [String], overwrite: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw LMConvError.invalidOption(name: "--output", value: directory, reason: "is a file, expected a directory") }
        } else {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw LMConvError.unwritable(path: directory, reason: "cannot create the directory (\(error.localizedDescription))")
            }
        }
        if !overwrite, let existing = files.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw LMConvError.alreadyExists(path: existing, reason: "exists (pass --overwrite to replace it)")
        }
    }
}
