import Foundation
import LMConv
import XCTest

/// The error enum: each case's one-line message, the context wrapper, and that the library throws the case that
/// says what went wrong (so that callers can branch on it).
final class LMConvErrorTests: XCTestCase {
    func testMessages() {
        let cases: [(LMConvError, String)] = [
            (.fileNotFound(path: "/a/b", reason: "no such file"), "/a/b: no such file"),
            (.unreadable(path: "/a", reason: "cannot be read"), "/a: cannot be read"),
            (.unwritable(path: "/a", reason: "cannot be written (x)"), "/a: cannot be written (x)"),
            (.alreadyExists(path: "/run", reason: "already holds a run"), "/run: already holds a run"),
            (.corruptFile(source: "f.png", reason: "PNG is truncated"), "f.png: PNG is truncated"),
            (.unsupported(reason: "dtype F16"), "dtype F16"),
            (.unsupported(source: "f.npy", reason: "dtype F16"), "f.npy: dtype F16"),
            (.shapeMismatch(reason: "3x32x32 vs 1x28x28"), "3x32x32 vs 1x28x28"),
            (.invalidConfiguration(reason: "invalid model configuration: k"), "invalid model configuration: k"),
            (.invalidArgument(source: "data", reason: "holds no images"), "data: holds no images"),
            (.invalidOption(name: "--data", reason: "not given"), "--data: not given"),
            (.invalidOption(name: "--output", value: "/x", reason: "is a directory"), "--output /x: is a directory"),
            (.diverged(step: 3, reason: "the loss is nan at step 3"), "training diverged: the loss is nan at step 3"),
            (.cancelled, "cancelled"),
            (.context("--hide", underlying: .invalidArgument(reason: "region \"x\"")), "--hide: region \"x\""),
        ]
        for (error, message) in cases {
            XCTAssertEqual(error.message, message)
            XCTAssertEqual("\(error)", message)
        }
    }

    func testContextAndAppending() {
        let inner = LMConvError.fileNotFound(path: "/d", reason: "no such file")
        let wrapped = LMConvError.context("--data", underlying: .context("train", underlying: inner))
        XCTAssertEqual(wrapped.root, inner)
        XCTAssertEqual(wrapped.message, "--data: train: /d: no such file")
        XCTAssertEqual(wrapped.appending(" (x)").message, "--data: train: /d: no such file (x)")
        XCTAssertEqual(LMConvError.shapeMismatch(source: "w", reason: "a").appending("b"), .shapeMismatch(source: "w", reason: "ab"))
        XCTAssertEqual(LMConvError.cancelled.appending("b"), .cancelled)
    }

    /// The library throws the case that names the failure, with the file or value where it happened.
    func testLibraryThrowsTheRightCase() throws {
        let dir = try DataTestKit.makeDirectory()
        defer { DataTestKit.removeDirectory(dir) }
        func caught(_ body: () throws -> Void) -> LMConvError? {
            do { try body(); return nil } catch { return error as? LMConvError }
        }
        XCTAssertEqual(caught { _ = try DataFile.read(dir + "/missing") }, .fileNotFound(path: dir + "/missing", reason: "no such file"))
        XCTAssertEqual(caught { try AtomicFile.write([1], to: dir + "/no/x") }?.isUnwritable, true)
        XCTAssertEqual(caught { _ = try PNG.decode([1, 2, 3], source: "x.png") },
                       .corruptFile(source: "x.png", reason: "not a PNG file (wrong signature)"))
        try DataTestKit.write([0xFF, 0xD8, 0xFF, 0], dir + "/p.jpg")
        guard case .corruptFile(dir + "/p.jpg", _)? = caught({ _ = try ImageDataset.load(path: dir + "/p.jpg") }) else {
            return XCTFail("a truncated JPEG is a corrupt file")
        }
        guard case .invalidArgument(nil, _)? = caught({ _ = try GenerationOrder(named: "zigzag", height: 4, width: 4) }) else {
            return XCTFail("an unknown order is an invalid argument")
        }
        guard case .invalidConfiguration? = caught({ try ModelConfiguration(channels: 2).validate() }) else {
            return XCTFail("two channels are an invalid configuration")
        }
        let model = try LocallyMaskedPixelCNN(configuration: ModelConfiguration(height: 4, width: 4, filters: 4, resnets: 0))
        let data = ImageDataset(count: 1, channels: 1, height: 5, width: 5, pixels: [UInt8](repeating: 0, count: 25))
        let order = try GenerationOrder(named: "raster_scan", height: 4, width: 4)
        guard case .shapeMismatch? = caught({ _ = try model.evaluate(data, orders: [order], encoding: .threshold(128)) }) else {
            return XCTFail("5x5 images for a 4x4 model are a shape mismatch")
        }
    }
}

private extension LMConvError {
    var isUnwritable: Bool { if case .unwritable = self { return true } else { return false } }
}
