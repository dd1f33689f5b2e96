import Foundation

/// The one way this package writes a file: atomically and durably.
///
/// The bytes go to a temporary file in the destination's folder (same file system, so the rename is atomic), are
/// flushed to the disk (`fsync`), and the temporary file is renamed over the destination; then the folder itself is
/// flushed, so the rename survives a power cut. A reader sees the old file or the new one, never a mix; a failed or
/// interrupted write leaves the old file as it was and, when the failure is reported, no temporary file behind.
public enum AtomicFile {
    /// Writes `bytes` to `path`, replacing any file there; throws a one-line error naming `path`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LMConvError.unwritable(path: path, reason: "cannot be written (\(errorText()))") }
        var failure = writeAll(bytes, to: fd)
        if failure == nil, fsync(fd) != 0 { failure = errorText() }
        if close(fd) != 0, failure == nil { failure = errorText() }
        if failure == nil, rename(temporary, path) != 0 { failure = errorText() }
        if let failure {
            unlink(temporary)
            throw LMConvError.unwritable(path: path, reason: "cannot be written (\(failure))")
        }
        syncFolder(folder)
    }

    /// Writes every byte, retrying short and interrupted writes; the error text on failure.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> String? {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errorText()
                }
                offset += n
            }
            return nil
        }
    }

    /// Flushes `folder`'s entries (the rename) to the disk. Best effort: the new file is already in place for every
    /// reader, and some file systems cannot sync a folder; only durability across a power cut is at stake.
    private static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
