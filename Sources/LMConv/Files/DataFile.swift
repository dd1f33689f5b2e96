import Foundation

/// Reading whole files, with one-line errors that name the file (writing is ``AtomicFile``).
public enum DataFile {
    /// The bytes of the file at `path`.
    public static func read(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LMConvError.fileNotFound(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw LMConvError.invalidArgument(source: path, reason: "is a directory, expected a file")
        }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw LMConvError.unreadable(path: path, reason: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// The bytes of `path`, decompressed first when they start with the gzip magic number (1f 8b).
    public static func readMaybeGzip(_ path: String) throws -> [UInt8] {
        let raw = try read(path)
        guard ZlibCodec.isGzip(raw) else { return raw }
        return try ZlibCodec.inflate(raw, container: .gzip, source: path, sizeHint: gzipSizeHint(raw))
    }

    /// The uncompressed size a single-member gzip file records in its trailer (modulo 2^32), to preallocate.
    static func gzipSizeHint(_ gz: [UInt8]) -> Int? {
        guard gz.count >= 18 else { return nil }
        let t = gz.count - 4
        let size = Int(gz[t]) | Int(gz[t + 1]) << 8 | Int(gz[t + 2]) << 16 | Int(gz[t + 3]) << 24
        // A stray or multi-member trailer could claim anything; only trust plausible ratios.
        return size > 0 && size <= gz.count * 1100 ? size : nil
    }

    /// Two lowercase hex digits, for magic numbers in error messages.
    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }

    /// The product of `sizes` read from a file header, or an error when it overflows (a corrupt header).
    static func byteCount(_ sizes: [Int], source: String) throws -> Int {
        var total = 1
        for s in sizes {
            let (p, overflow) = total.multipliedReportingOverflow(by: s)
            guard !overflow else {
                throw LMConvError.corruptFile(source: source,
                                              reason: "header sizes \(sizes) are too large (corrupt header?)")
            }
            total = p
        }
        return total
    }
}
