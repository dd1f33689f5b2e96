import Foundation
import LMConv
import XCTest

/// The pickle machine on hand-assembled pickles: values, memo sharing, Namespace, and refusals.
final class PickleMachineTests: XCTestCase {
    private typealias P = PickleAssembler

    private func unpickle(_ parts: [UInt8]...) throws -> PickleValue {
        try PickleValue(unpickling: P.proto + parts.joined() + P.stop, source: "test.pkl")
    }

    private func assertError(_ bytes: [UInt8], contains fragments: [String],
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PickleValue(unpickling: bytes, source: "test.pkl"), file: file, line: line) { error in
            let message = (error as? LMConvError)?.message ?? "\(error)"
            for fragment in fragments + ["test.pkl"] {
                XCTAssertTrue(message.contains(fragment), "'\(message)' lacks '\(fragment)'", file: file, line: line)
            }
            XCTAssertFalse(message.contains("\n"), "multi-line message", file: file, line: line)
        }
    }

    func testScalarsStringsAndContainers() throws {
        let value = try unpickle(
            P.emptyDict, P.mark,
            P.str("ints"), P.mark,
            [0x4b, 200], [0x4d, 0x10, 0x27], P.int(-5), [0x8a, 0x02, 0xff, 0xfe], [0x8a, 0x00],
            P.tupleOp,
            P.str("float"), P.float(-2.5),
            P.str("short"), [0x8c, 2, 0x68, 0x69], [0x55, 3, 0x61, 0xe9, 0x62], P.tuple2,
            P.str("bytes"), [0x43, 2, 1, 2], P.global("_codecs", "encode"), P.str("\u{e9}z"), P.str("latin1"),
            P.tuple2, P.reduce, P.tuple2,
            P.str("consts"), P.none, P.newTrue, P.newFalse, P.tuple3,
            P.str("list"), P.emptyList, P.mark, P.int(1), P.int(2), P.appends, P.int(3), P.append,
            P.str("one"), P.int(9), P.tuple1,
            P.setItems)
        XCTAssertEqual(value["ints"], .tuple([.int(200), .int(10000), .int(-5), .int(-257), .int(0)]))
        XCTAssertEqual(value["float"]?.doubleValue, -2.5)
        XCTAssertEqual(value["short"], .tuple([.string("hi"), .string("a\u{e9}b")]))
        XCTAssertEqual(value["bytes"], .tuple([.bytes([1, 2]), .bytes([0xe9, 0x7a])]))
        XCTAssertEqual(value["consts"], .tuple([.none, .bool(true), .bool(false)]))
        XCTAssertEqual(value["list"]?.listValue?.compactMap(\.intValue), [1, 2, 3])
        XCTAssertEqual(value["one"], .tuple([.int(9)]))
        XCTAssertEqual(value.dictValue?.map { $0.key.stringValue ?? "" },
                       ["ints", "float", "short", "bytes", "consts", "list", "one"])
        XCTAssertNil(value["absent"])
    }

    func testBigIntegerStaysExact() throws {
        // The legacy magic number needs 80 bits.
        let magic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]
        XCTAssertEqual(try unpickle([0x8a, 10] + magic), .bigInt(magic))
        XCTAssertEqual(try unpickle([0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x80]), .int(Int.min))
    }

    /// A list stored in the memo and appended to afterwards is the same list wherever it was fetched.
    func testMemoSharesMutableContainers() throws {
        let value = try unpickle(
            P.emptyDict,
            P.str("a"), P.emptyList, P.put(0), P.setItem,
            P.str("b"), P.get(0), P.setItem,
            P.get(0), P.int(7), P.append, [0x30])  // POP
        XCTAssertEqual(value["a"], .list([.int(7)]))
        XCTAssertEqual(value["b"], .list([.int(7)]))
    }

    func testOrderedDictKeepsOrderAndReplacesEqualKeys() throws {
        let value = try unpickle(
            P.global("collections", "OrderedDict"), P.emptyTuple, P.reduce, P.mark,
            P.str("z"), P.int(1), P.str("a"), P.int(2), P.str("z"), P.int(3), P.setItems)
        XCTAssertEqual(value, .dict([(key: .string("z"), value: .int(3)), (key: .string("a"), value: .int(2))]))
    }

    /// `argparse.Namespace` (NEWOBJ or REDUCE, then BUILD with its attribute dict) reads as that dict.
    func testNamespaceBecomesDictOfAttributes() throws {
        for construct in [P.newObj, P.reduce] {
            let value = try unpickle(
                P.global("argparse", "Namespace"), P.emptyTuple, construct,
                P.emptyDict, P.mark, P.str("nr_filters"), P.int(8), P.str("order"), P.emptyList, P.str("s_curve"),
                P.append, P.setItems, P.build)
            XCTAssertEqual(value["nr_filters"]?.intValue, 8)
            XCTAssertEqual(value["order"]?.listValue, [.string("s_curve")])
        }
    }

    func testProtocol4FramesMemoizeAndStackGlobal() throws {
        let value = try PickleValue(unpickling: [0x80, 4, 0x95] + [UInt8](repeating: 0, count: 8)
            + [0x8c, 11] + Array("collections".utf8) + [0x94] + [0x8c, 11] + Array("OrderedDict".utf8) + [0x94, 0x93]
            + P.emptyTuple + P.reduce + [0x8c, 1, 0x6b, 0x94] + [0x68, 0x02] + P.setItem + P.stop, source: "p4.pkl")
        XCTAssertEqual(value, .dict([(key: .string("k"), value: .string("k"))]))
    }

    func testUnknownGlobalIsRefused() {
        let bytes = P.proto + P.global("os", "system") + P.str("echo hacked") + P.tuple1 + P.reduce + P.stop
        assertError(bytes, contains: ["unknown global 'os.system'", "refusing to run pickled code"])
        assertError(P.proto + P.global("builtins", "eval") + P.stop, contains: ["'builtins.eval'"])
    }

    func testUnknownOpcodeIsReported() {
        // 'I' (INT, the text protocol's integer) is not part of what checkpoints use.
        assertError(P.proto + [0x49] + Array("1\n".utf8) + P.stop, contains: ["unknown pickle opcode 0x49 at byte 2"])
    }

    func testTruncatedPickleIsReported() {
        let full = P.proto + P.emptyDict + P.str("key") + P.str("value") + P.setItem + P.stop
        for cut in [3, 6, 12, full.count - 1] {
            assertError(Array(full.prefix(cut)), contains: ["truncated"])
        }
    }

    func testMalformedPicklesAreErrorsNotCrashes() {
        assertError(P.proto + P.setItem + P.stop, contains: ["malformed pickle"])
        assertError(P.proto + P.get(3) + P.stop, contains: ["memo"])
        assertError(P.proto + P.tupleOp + P.stop, contains: ["MARK"])
        assertError(P.proto + P.emptyDict + P.emptyList + P.int(1) + P.setItem + P.stop, contains: ["unhashable"])
        assertError(P.proto + P.int(1) + P.int(2) + P.stop, contains: ["STOP"])
    }
}

/// Assembles protocol-2 pickles (and the PyTorch structures inside checkpoints) byte by byte for tests.
enum PickleAssembler {
    static let proto: [UInt8] = [0x80, 0x02]
    static let stop: [UInt8] = [0x2e]
    static let mark: [UInt8] = [0x28]
    static let none: [UInt8] = [0x4e]
    static let newTrue: [UInt8] = [0x88]
    static let newFalse: [UInt8] = [0x89]
    static let emptyDict: [UInt8] = [0x7d]
    static let emptyList: [UInt8] = [0x5d]
    static let emptyTuple: [UInt8] = [0x29]
    static let tupleOp: [UInt8] = [0x74]
    static let tuple1: [UInt8] = [0x85]
    static let tuple2: [UInt8] = [0x86]
    static let tuple3: [UInt8] = [0x87]
    static let setItem: [UInt8] = [0x73]
    static let setItems: [UInt8] = [0x75]
    static let append: [UInt8] = [0x61]
    static let appends: [UInt8] = [0x65]
    static let reduce: [UInt8] = [0x52]
    static let newObj: [UInt8] = [0x81]
    static let build: [UInt8] = [0x62]
    static let binPersId: [UInt8] = [0x51]

    static func str(_ text: String) -> [UInt8] { [0x58] + le32(UInt32(text.utf8.count)) + Array(text.utf8) }
    static func int(_ value: Int32) -> [UInt8] { [0x4a] + le32(UInt32(bitPattern: value)) }
    static func float(_ value: Double) -> [UInt8] {
        [0x47] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * UInt64($0))) }
    }
    static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    static func put(_ index: UInt8) -> [UInt8] { [0x71, index] }
    static func get(_ index: UInt8) -> [UInt8] { [0x68, index] }
    static func ints(_ values: [Int]) -> [UInt8] { mark + values.flatMap { int(Int32($0)) } + tupleOp }

    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
    static func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
    static func floatBytes(_ values: [Float]) -> [UInt8] { values.flatMap { le32($0.bitPattern) } }

    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())` of a storage given by
    /// its persistent id; `view` adds the legacy format's sixth pid element (`nil` writes None when `legacy`).
    static func tensor(storageType: String = "FloatStorage", key: String, count: Int, offset: Int, size: [Int],
                       stride: [Int], legacy: Bool = false, view: (key: String, offset: Int, count: Int)? = nil)
        -> [UInt8] {
        var pid = mark + str("storage") + global("torch", storageType) + str(key) + str("cpu") + int(Int32(count))
        if legacy {
            pid += view.map { str($0.key) + int(Int32($0.offset)) + int(Int32($0.count)) + tuple3 } ?? none
        }
        pid += tupleOp
        return global("torch._utils", "_rebuild_tensor_v2") + mark + pid + binPersId + int(Int32(offset))
            + ints(size) + ints(stride) + newFalse + global("collections", "OrderedDict") + emptyTuple + reduce
            + tupleOp + reduce
    }

    /// A legacy (pre-zip) checkpoint: magic, protocol version, system info, `object` (a pickle body without PROTO
    /// and STOP), the storage keys, then each storage's int64 element count and raw bytes.
    static func legacyFile(object: [UInt8], storages: [(key: String, count: Int, bytes: [UInt8])]) -> [UInt8] {
        let magic: [UInt8] = [0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]
        var file = proto + magic + stop
        file += proto + [0x4d, 0xe9, 0x03] + stop
        file += proto + emptyDict + str("little_endian") + newTrue + setItem + stop
        file += proto + object + stop
        file += proto + emptyList + mark + storages.flatMap { str($0.key) } + appends + stop
        for storage in storages { file += le64(UInt64(storage.count)) + storage.bytes }
        return file
    }
}
