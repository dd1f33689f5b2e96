import Foundation
import LMConv
import TestSupport
import XCTest
import ZIPFoundation

/// Checkpoint files made by hand or damaged on purpose: strided views, dtypes, layouts, and one-line errors.
final class TorchCheckpointFileTests: XCTestCase {
    private typealias P = PickleAssembler
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("TorchCheckpointFileTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Helpers

    private func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// A zip checkpoint `<folder>/data.pkl` + `<folder>/data/<key>`, as torch >= 1.6 writes it.
    private func writeZip(_ name: String, folder: String = "archive", pickle: [UInt8]?,
                          storages: [String: [UInt8]]) throws -> URL {
        let url = directory.appendingPathComponent(name)
        let archive = try Archive(url: url, accessMode: .create)
        var entries = storages.map { ("\(folder)/data/\($0.key)", Data($0.value)) }
        if let pickle { entries.insert(("\(folder)/data.pkl", Data(pickle)), at: 0) }
        entries.append(("\(folder)/byteorder", Data("little".utf8)))
        for (path, data) in entries {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        return url
    }

    private func fixtureCopy(_ path: String, prefix: Int? = nil) throws -> URL {
        var bytes = [UInt8](try Data(contentsOf: fixturesDirectory.appendingPathComponent(path)))
        if let prefix { bytes = Array(bytes.prefix(prefix)) }
        return try write(bytes, "copy-\(prefix ?? 0)-" + path.replacingOccurrences(of: "/", with: "-"))
    }

    private func assertReadError(_ url: URL, contains fragments: [String],
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try TorchCheckpoint.read(contentsOf: url), file: file, line: line) { error in
            guard let error = error as? LMConvError else {
                return XCTFail("not an LMConvError: \(error)", file: file, line: line)
            }
            for fragment in fragments + [url.lastPathComponent] {
                XCTAssertTrue(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'",
                              file: file, line: line)
            }
            XCTAssertFalse(error.message.contains("\n"), "multi-line message", file: file, line: line); print("MSG:", error.message)
        }
    }

    /// `{'w': <tensor>}` as a pickle body.
    private func stateDictBody(_ tensor: [UInt8]) -> [UInt8] {
        P.emptyDict + P.str("model_state_dict") + P.global("collections", "OrderedDict") + P.emptyTuple + P.reduce
            + P.str("w") + tensor + P.setItem + P.setItem
    }

    // MARK: - Views and dtypes

    /// A transposed (non-contiguous) view with a storage offset is copied out in row-major order.
    func testStridedViewWithOffsetInBothFormats() throws {
        let storage = P.floatBytes([0, 1, 2, 3, 4, 5, 6])
        // Elements storage[1 + 1*i + 2*j] for i < 2, j < 3: [[1, 3, 5], [2, 4, 6]].
        let expected = Tensor(shape: [2, 3], scalars: [1, 3, 5, 2, 4, 6])
        let legacy = try write(P.legacyFile(
            object: stateDictBody(P.tensor(key: "140", count: 7, offset: 1, size: [2, 3], stride: [1, 2],
                                           legacy: true)),
            storages: [("140", 7, storage)]), "strided_legacy.pth")
        let zip = try writeZip("strided.pth", pickle: P.proto + stateDictBody(
            P.tensor(key: "0", count: 7, offset: 1, size: [2, 3], stride: [1, 2])) + P.stop, storages: ["0": storage])
        for url in [legacy, zip] {
            XCTAssertEqual(try TorchCheckpoint.read(contentsOf: url).stateDict()["w"], expected, url.lastPathComponent)
        }
    }

    func testLegacyStorageViewMetadata() throws {
        // The storage is elements 2..<5 of root storage 'root'; the tensor reads its elements 1 and 2.
        let url = try write(P.legacyFile(
            object: stateDictBody(P.tensor(key: "root", count: 6, offset: 1, size: [2], stride: [1], legacy: true,
                                           view: ("view", 2, 3))),
            storages: [("root", 6, P.floatBytes([10, 11, 12, 13, 14, 15]))]), "view_legacy.pth")
        XCTAssertEqual(try TorchCheckpoint.read(contentsOf: url).stateDict()["w"]?.scalars, [13, 14])
    }

    func testIntegerAndDoubleTensorsAndBareStateDict() throws {
        // A bare state dict (torch.save(model.state_dict())) of an int64 and a float64 tensor.
        let body = P.global("collections", "OrderedDict") + P.emptyTuple + P.reduce + P.mark
            + P.str("steps") + P.tensor(storageType: "LongStorage", key: "0", count: 2, offset: 0, size: [2], stride: [1])
            + P.str("scale") + P.tensor(storageType: "DoubleStorage", key: "1", count: 1, offset: 0, size: [], stride: [])
            + P.setItems
        let url = try writeZip("bare.pth", folder: "bare", pickle: P.proto + body + P.stop, storages: [
            "0": P.le64(UInt64(bitPattern: -3)) + P.le64(1 << 40),
            "1": P.le64((0.25 as Double).bitPattern),
        ])
        let checkpoint = try TorchCheckpoint.read(contentsOf: url)
        let tensors = try checkpoint.stateDictTensors()
        XCTAssertEqual(tensors["steps"]?.dtype, .int64)
        XCTAssertEqual(tensors["steps"]?.integers(), [-3, 1 << 40])
        let state = try checkpoint.stateDict()
        XCTAssertEqual(state["steps"], Tensor(shape: [2], scalars: [-3, Float(1 << 40)]))
        XCTAssertEqual(state["scale"], Tensor(shape: [], scalars: [0.25]))
        XCTAssertNil(checkpoint.args)
        XCTAssertThrowsError(try checkpoint.stateDict("optimizer_state_dict"))
    }

    func testNamespaceArgs() throws {
        let body = P.emptyDict + P.str("args") + P.global("argparse", "Namespace") + P.emptyTuple + P.newObj
            + P.emptyDict + P.mark + P.str("nr_filters") + P.int(160) + P.str("normalization") + P.str("pono")
            + P.setItems + P.build + P.setItem
        let url = try write(P.legacyFile(object: body, storages: []), "namespace.pth")
        let args = try XCTUnwrap(TorchCheckpoint.read(contentsOf: url).args)
        XCTAssertEqual(args["nr_filters"]?.intValue, 160)
        XCTAssertEqual(args["normalization"]?.stringValue, "pono")
    }

    // MARK: - Errors

    func testMissingAndNonCheckpointFiles() throws {
        assertReadError(directory.appendingPathComponent("absent.pth"), contains: ["no such checkpoint file"])
        assertReadError(try write([], "empty.pth"), contains: ["empty"])
        assertReadError(try write(Array("hello".utf8), "text.pth"), contains: ["not a PyTorch checkpoint"])
    }

    func testTruncatedZip() throws {
        let size = try Data(contentsOf: fixturesDirectory.appendingPathComponent("binary-28/checkpoint.pth")).count
        for prefix in [10, size / 2, size - 30] {
            assertReadError(try fixtureCopy("binary-28/checkpoint.pth", prefix: prefix), contains: ["truncated"])
        }
    }

    func testTruncatedLegacy() throws {
        let size = try Data(contentsOf: fixturesDirectory.appendingPathComponent("binary-28/checkpoint_legacy.pth"))
            .count
        // In the magic number, the object pickle, the key list, a storage's count, and the last storage's bytes.
        for prefix in [5, 5000, 14500, 15368, size - 1] {
            assertReadError(try fixtureCopy("binary-28/checkpoint_legacy.pth", prefix: prefix), contains: ["truncated"])
        }
    }

    func testZipWithoutDataPickle() throws {
        let url = try fixtureCopy("binary-28/checkpoint.pth")
        let archive = try Archive(url: url, accessMode: .update)
        try archive.remove(try XCTUnwrap(archive["checkpoint/data.pkl"]))
        assertReadError(url, contains: ["without a data.pkl"])
    }

    func testMissingStorageKey() throws {
        let url = try fixtureCopy("binary-28/checkpoint.pth")
        let archive = try Archive(url: url, accessMode: .update)
        try archive.remove(try XCTUnwrap(archive["checkpoint/data/5"]))
        assertReadError(url, contains: ["storage '5' is missing", "checkpoint/data/5"])

        let legacy = try write(P.legacyFile(
            object: stateDictBody(P.tensor(key: "a", count: 2, offset: 0, size: [2], stride: [1], legacy: true)),
            storages: []), "missing_legacy.pth")
        assertReadError(legacy, contains: ["storage 'a' is missing"])
    }

    func testUnknownGlobalInZip() throws {
        let pickle = P.proto + P.global("os", "system") + P.str("echo hacked") + P.tuple1 + P.reduce + P.stop
        let url = try writeZip("evil.pth", pickle: pickle, storages: [:])
        assertReadError(url, contains: ["unknown global 'os.system'", "refusing to run pickled code"])
    }

    func testUnknownOpcodeInLegacy() throws {
        let url = try write(P.legacyFile(object: [0x49] + Array("1\n".utf8), storages: []), "opcode.pth")
        assertReadError(url, contains: ["unknown pickle opcode 0x49"])
    }

    func testViewExceedingItsStorage() throws {
        let legacy = try write(P.legacyFile(
            object: stateDictBody(P.tensor(key: "0", count: 6, offset: 1, size: [2, 3], stride: [3, 1], legacy: true)),
            storages: [("0", 6, P.floatBytes([0, 1, 2, 3, 4, 5]))]), "overrun_legacy.pth")
        assertReadError(legacy, contains: ["tensor at 'model_state_dict.w'", "exceeds its storage of 6 elements"])
        let zip = try writeZip("overrun.pth", pickle: P.proto + stateDictBody(
            P.tensor(key: "0", count: 4, offset: 0, size: [2, 2], stride: [4, 1])) + P.stop,
            storages: ["0": P.floatBytes([0, 1, 2, 3])])
        assertReadError(zip, contains: ["exceeds its storage of 4 elements"])
        // A storage file shorter than the element count its persistent id announces.
        let short = try writeZip("short.pth", pickle: P.proto + stateDictBody(
            P.tensor(key: "0", count: 4, offset: 0, size: [4], stride: [1])) + P.stop,
            storages: ["0": P.floatBytes([0, 1])])
        assertReadError(short, contains: ["storage '0' holds 8 bytes"])
    }

    /// Absurd sizes from a damaged file are errors, not arithmetic traps.
    func testOverflowingViewIsAnError() throws {
        let huge = Int(Int32.max)
        let url = try write(P.legacyFile(
            object: stateDictBody(P.tensor(key: "0", count: 1, offset: 0, size: [huge, huge, huge, huge],
                                           stride: [huge, huge, huge, 1], legacy: true)),
            storages: [("0", 1, P.floatBytes([0]))]), "overflow_legacy.pth")
        assertReadError(url, contains: ["too large"])
    }
}
