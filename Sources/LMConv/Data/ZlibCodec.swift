import SystemZlib

/// zlib-based compression used by the data formats: zlib streams (PNG) and gzip files (`.gz` datasets).
public enum ZlibCodec {
    /// The container a compressed stream is in.
    public enum Container: Sendable {
        /// A zlib stream (RFC 1950), as inside PNG IDAT chunks.
        case zlib
        /// A gzip file (RFC 1952), possibly several concatenated members.
        case gzip
        /// Either of the two, told apart by the header.
        case automatic

        var windowBits: Int32 {
            switch self {
            case .zlib: return 15
            case .gzip: return 15 + 16
            case .automatic: return 15 + 32
            }
        }
    }

    /// Whether `bytes` starts with the gzip magic number 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses `input`. `source` names the file in error messages; `sizeHint` preallocates the output.
    /// Throws an `LMConvError` for corrupt or truncated data.
    public static func inflate(
        _ input: [UInt8], container: Container = .automatic, source: String, sizeHint: Int? = nil
    ) throws -> [UInt8] {
        guard !input.isEmpty else { throw LMConvError.corruptFile(source: source, reason: "compressed data is empty") }
        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, container.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw LMConvError.unreadable(path: source, reason: "cannot start zlib decompression (code \(initStatus))")
        }
        defer { inflateEnd(&stream) }

        // A little slack past the hint lets zlib report the end of stream without one more, doubling, round.
        var output = [UInt8](repeating: 0, count: max((sizeHint ?? input.count * 4) + 64, 1024))
        var produced = 0
        var consumed = 0
        while true {
            if produced == output.count { output.append(contentsOf: repeatElement(0, count: output.count)) }
            // Feed at most 1 GiB at a time: avail_in is 32-bit.
            let inChunk = min(input.count - consumed, 1 << 30)
            let outChunk = min(output.count - produced, 1 << 30)
            let status: Int32 = input.withUnsafeBufferPointer { inBuf in
                output.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress! + consumed)
                    stream.avail_in = UInt32(inChunk)
                    stream.next_out = outBuf.baseAddress! + produced
                    stream.avail_out = UInt32(outChunk)
                    let s = SystemZlib.inflate(&stream, Z_NO_FLUSH)
                    consumed += inChunk - Int(stream.avail_in)
                    produced += outChunk - Int(stream.avail_out)
                    return s
                }
            }
            switch status {
            case Z_STREAM_END:
                // A gzip file may hold several members back to back (as `cat a.gz b.gz` makes).
                let rest = Array(input[consumed...].prefix(2))
                if container != .zlib, isGzip(rest) {
                    inflateReset(&stream)
                    continue
                }
                output.removeSubrange(produced...)
                return output
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: either more output room is needed or the input ran out.
                if produced < output.count { throw LMConvError.corruptFile(source: source,
                                                                           reason: "compressed data is truncated") }
            case Z_DATA_ERROR, Z_NEED_DICT:
                let detail = stream.msg.map { String(cString: $0) } ?? "invalid data"
                throw LMConvError.corruptFile(source: source, reason: "compressed data is corrupt (\(detail))")
            default:
                throw LMConvError.corruptFile(source: source, reason: "zlib decompression failed (code \(status))")
            }
        }
    }

    /// Compresses `input` into a zlib stream (or a gzip file with `gzip: true`) at `level` 0...9.
    public static func deflate(_ input: [UInt8], level: Int32 = 6, gzip: Bool = false) -> [UInt8] {
        var stream = z_stream()
        let status = deflateInit2_(
            &stream, level, Z_DEFLATED, gzip ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib deflateInit2 failed with code \(status)")
        defer { deflateEnd(&stream) }
        // deflateBound plus the gzip header/trailer is always enough for one Z_FINISH call.
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        let written: Int = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                // zlib accepts a null input pointer when there are no input bytes.
                stream.next_in = inBuf.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
                stream.avail_in = UInt32(input.count)
                stream.next_out = outBuf.baseAddress!
                stream.avail_out = UInt32(outBuf.count)
                let s = SystemZlib.deflate(&stream, Z_FINISH)
                precondition(s == Z_STREAM_END, "zlib deflate failed with code \(s)")
                return outBuf.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(written...)
        return output
    }

    /// The CRC-32 (as in PNG and gzip) of `bytes`, continuing from `crc`.
    public static func crc32(_ bytes: ArraySlice<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { buf in
            UInt32(SystemZlib.crc32(UInt(crc), buf.baseAddress, UInt32(buf.count)))
        }
    }
}
