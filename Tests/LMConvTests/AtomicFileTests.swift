import Foundation
import LMConv
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The one file writer: the content arrives whole, nothing else is left in the folder, and a failed write leaves
/// the old file as it was.
final class AtomicFileTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try DataTestKit.makeDirectory() }
    override func tearDown() { DataTestKit.removeDirectory(dir) }

    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir).sorted() }

    func testWritesAndReplacesWithoutLeavingTemporaryFiles() throws {
        let path = dir + "/file.bin"
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }
        try AtomicFile.write(big, to: path)
        XCTAssertEqual(try DataTestKit.read(path), big)
        try AtomicFile.write([1, 2, 3], to: path)
        XCTAssertEqual(try DataTestKit.read(path), [1, 2, 3])
        try AtomicFile.write([], to: path)
        XCTAssertEqual(try DataTestKit.read(path), [])
        XCTAssertEqual(try entries(), ["file.bin"])
        // Ordinary file permissions (rw-r--r-- less the umask), not those of a private temporary file.
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        XCTAssertEqual(permissions?.intValue, 0o644 & ~Int(umaskValue()))
    }

    /// The rename fails (the destination is a non-empty folder): the destination is untouched, the temporary file gone.
    func testFailedRenameLeavesTheOldEntryAndNoTemporaryFile() throws {
        let path = dir + "/taken"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        try DataTestKit.write([9], path + "/inside")
        DataTestKit.assertError([path, "cannot be written"]) { try AtomicFile.write([1, 2, 3], to: path) }
        XCTAssertEqual(try entries(), ["taken"])
        XCTAssertEqual(try DataTestKit.read(path + "/inside"), [9])
    }

    func testMissingFolder() {
        let path = dir + "/no/such/folder/file"
        DataTestKit.assertError([path, "cannot be written", "No such file or directory"]) { try AtomicFile.write([1], to: path) }
    }

    #if os(Linux)
    /// The write itself fails halfway (a file-size limit makes write(2) return EFBIG past 4 KiB): the old file keeps
    /// its content and no temporary file is left.
    func testFailedWriteLeavesTheOldFileIntact() throws {
        let path = dir + "/checkpoint"
        let old = [UInt8](repeating: 7, count: 100)
        try AtomicFile.write(old, to: path)

        var saved = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &saved), 0)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)  // EFBIG instead of the signal that would end the process
        var limited = saved
        limited.rlim_cur = 4096
        XCTAssertEqual(setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limited), 0)
        defer {
            setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &saved)
            signal(SIGXFSZ, previousHandler)
        }
        DataTestKit.assertError([path, "cannot be written", "File too large"]) {
            try AtomicFile.write([UInt8](repeating: 1, count: 100_000), to: path)
        }
        XCTAssertEqual(try DataTestKit.read(path), old)
        XCTAssertEqual(try entries(), ["checkpoint"])
    }
    #endif

    /// Every writer of the library goes through it: PNG, safetensors, checkpoints (the same failure text).
    func testLibraryWritersReportLikeIt() throws {
        let missing = dir + "/missing/x"
        DataTestKit.assertError([missing + ".png", "cannot be written"]) {
            try PNG.write(RGBImage(width: 1, height: 1, channels: 1, pixels: [0]), to: missing + ".png")
        }
        DataTestKit.assertError([missing + ".safetensors", "cannot be written"]) {
            try SafetensorsFile(metadata: [:], tensors: [:]).write(to: URL(fileURLWithPath: missing + ".safetensors"))
        }
    }

    private func umaskValue() -> mode_t {
        let current = umask(0)
        umask(current)
        return current
    }
}
