import Foundation

/// A Python unpickler for the subset of the pickle protocol (versions 2 to 5) that PyTorch checkpoints use.
///
/// It never executes anything: GLOBAL may only name the plain-data constructors and storage classes in
/// `PickleGlobals`, and REDUCE/NEWOBJ/BUILD interpret those few by hand. Persistent ids are PyTorch storage
/// references; tensors come out as `PickleItem.tensor` and are read from their storage by `materialized`.
struct PickleMachine {
    /// The file name used in error messages.
    let source: String
    private let bytes: [UInt8]
    /// The read position: after `load()`, just past the STOP opcode (consecutive pickles follow in legacy files).
    private(set) var position: Int

    private var stack: [PickleItem] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleItem] = [:]
    /// Every storage reference met so far, in order (legacy files need their dtypes to read the storages).
    private(set) var storages: [TorchStorageRef] = []

    init(bytes: [UInt8], position: Int = 0, source: String) {
        self.bytes = bytes
        self.position = position
        self.source = source
    }

    /// Unpickles one object starting at `position`, leaving `position` after its STOP.
    mutating func load() throws -> PickleItem {
        stack = []
        marks = []
        memo = [:]
        while true {
            let opcodeOffset = position
            let opcode = try readByte()
            switch opcode {
            case 0x80:  // PROTO
                let version = try readByte()
                guard version <= 5 else { throw error("unsupported pickle protocol \(version)") }
            case 0x95:  // FRAME: an 8-byte length; frames need no special handling when the whole file is in memory
                _ = try read(8)
            case 0x2e:  // STOP
                guard let result = stack.popLast(), stack.isEmpty else {
                    throw error("malformed pickle: STOP with \(stack.count) items on the stack")
                }
                return result

            // Constants and numbers
            case 0x4e: stack.append(.value(.none))  // NONE
            case 0x88: stack.append(.value(.bool(true)))  // NEWTRUE
            case 0x89: stack.append(.value(.bool(false)))  // NEWFALSE
            case 0x4a: stack.append(.value(.int(Int(Int32(bitPattern: try readUInt32())))))  // BININT
            case 0x4b: stack.append(.value(.int(Int(try readByte()))))  // BININT1
            case 0x4d: stack.append(.value(.int(Int(try readUInt16()))))  // BININT2
            case 0x8a: stack.append(.value(try readLong(count: Int(try readByte()))))  // LONG1
            case 0x8b: stack.append(.value(try readLong(count: try readLength32())))  // LONG4
            case 0x47:  // BINFLOAT: big-endian IEEE double
                let raw = try read(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                stack.append(.value(.float(Double(bitPattern: raw))))

            // Strings and bytes
            case 0x58: stack.append(.value(.string(try readUTF8(count: try readLength32()))))  // BINUNICODE
            case 0x8c: stack.append(.value(.string(try readUTF8(count: Int(try readByte())))))  // SHORT_BINUNICODE
            case 0x8d: stack.append(.value(.string(try readUTF8(count: try readLength64()))))  // BINUNICODE8
            case 0x55: stack.append(.value(.string(try readPython2String(count: Int(try readByte())))))  // SHORT_BINSTRING
            case 0x54: stack.append(.value(.string(try readPython2String(count: try readLength32()))))  // BINSTRING
            case 0x43: stack.append(.value(.bytes(Array(try read(Int(try readByte()))))))  // SHORT_BINBYTES
            case 0x42: stack.append(.value(.bytes(Array(try read(try readLength32())))))  // BINBYTES
            case 0x8e: stack.append(.value(.bytes(Array(try read(try readLength64())))))  // BINBYTES8

            // Containers
            case 0x7d: stack.append(.dict(PickleDictBox()))  // EMPTY_DICT
            case 0x5d: stack.append(.list(PickleListBox()))  // EMPTY_LIST
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x28: marks.append(stack.count)  // MARK
            case 0x85: stack.append(.tuple(try pop(1)))  // TUPLE1
            case 0x86: stack.append(.tuple(try pop(2)))  // TUPLE2
            case 0x87: stack.append(.tuple(try pop(3)))  // TUPLE3
            case 0x74: stack.append(.tuple(try popToMark()))  // TUPLE
            case 0x6c:  // LIST
                let list = PickleListBox()
                list.items = try popToMark()
                stack.append(.list(list))
            case 0x64:  // DICT
                let dict = PickleDictBox()
                try setItems(dict, try popToMark())
                stack.append(.dict(dict))
            case 0x61:  // APPEND
                let item = try pop(1)
                try targetList().items.append(contentsOf: item)
            case 0x65:  // APPENDS
                let items = try popToMark()
                try targetList().items.append(contentsOf: items)
            case 0x73:  // SETITEM
                let pair = try pop(2)
                try setItems(try targetDict(), pair)
            case 0x75:  // SETITEMS
                let pairs = try popToMark()
                try setItems(try targetDict(), pairs)
            case 0x30: _ = try pop(1)  // POP
            case 0x31: _ = try popToMark()  // POP_MARK
            case 0x32:  // DUP
                guard let top = stack.last else { throw error("malformed pickle: DUP on an empty stack") }
                stack.append(top)

            // Memo
            case 0x71: try put(Int(try readByte()))  // BINPUT
            case 0x72: try put(Int(try readUInt32()))  // LONG_BINPUT
            case 0x94: try put(memo.count)  // MEMOIZE
            case 0x68: try get(Int(try readByte()))  // BINGET
            case 0x6a: try get(Int(try readUInt32()))  // LONG_BINGET

            // Objects: only whitelisted globals, interpreted by PickleGlobals
            case 0x63:  // GLOBAL
                let module = try readLine()
                let name = try readLine()
                stack.append(try PickleGlobals.resolve(module: module, name: name, source: source))
            case 0x93:  // STACK_GLOBAL
                let pair = try pop(2)
                guard let module = pair[0].stringValue, let name = pair[1].stringValue else {
                    throw error("malformed pickle: STACK_GLOBAL without two strings")
                }
                stack.append(try PickleGlobals.resolve(module: module, name: name, source: source))
            case 0x52, 0x81:  // REDUCE (callable, args), NEWOBJ (cls, args)
                let pair = try pop(2)
                guard case .global(let name) = pair[0], case .tuple(let args) = pair[1] else {
                    throw error("malformed pickle: \(opcode == 0x52 ? "REDUCE" : "NEWOBJ") on a \(pair[0].kindName)")
                }
                stack.append(try PickleGlobals.call(name, args: args, source: source))
            case 0x62:  // BUILD
                let state = try pop(1)[0]
                guard let object = stack.last else { throw error("malformed pickle: BUILD on an empty stack") }
                try PickleGlobals.build(object, state: state, source: source)
            case 0x51:  // BINPERSID
                let pid = try pop(1)[0]
                let storage = try PickleGlobals.persistentLoad(pid, source: source)
                if case .storage(let ref) = storage { storages.append(ref) }
                stack.append(storage)

            default:
                throw error(String(format: "unknown pickle opcode 0x%02x at byte %d", opcode, opcodeOffset))
            }
        }
    }

    // MARK: - Stack

    private func error(_ message: String) -> LMConvError {
        LMConvError.corruptFile(source: source, reason: message)
    }

    private mutating func pop(_ count: Int) throws -> [PickleItem] {
        guard stack.count - count >= (marks.last ?? 0) else {
            throw error("malformed pickle: stack underflow at byte \(position - 1)")
        }
        let items = Array(stack.suffix(count))
        stack.removeLast(count)
        return items
    }

    private mutating func popToMark() throws -> [PickleItem] {
        guard let mark = marks.popLast() else { throw error("malformed pickle: no MARK at byte \(position - 1)") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func targetList() throws -> PickleListBox {
        guard case .list(let list)? = stack.last else {
            throw error("malformed pickle: APPEND to a \(stack.last?.kindName ?? "empty stack")")
        }
        return list
    }

    private func targetDict() throws -> PickleDictBox {
        guard case .dict(let dict)? = stack.last else {
            throw error("malformed pickle: SETITEM on a \(stack.last?.kindName ?? "empty stack")")
        }
        return dict
    }

    private func setItems(_ dict: PickleDictBox, _ flat: [PickleItem]) throws {
        guard flat.count % 2 == 0 else { throw error("malformed pickle: odd number of items for a dict") }
        for i in stride(from: 0, to: flat.count, by: 2) { try dict.set(flat[i], flat[i + 1], source: source) }
    }

    private mutating func put(_ index: Int) throws {
        guard let top = stack.last else { throw error("malformed pickle: memo PUT on an empty stack") }
        memo[index] = top
    }

    private mutating func get(_ index: Int) throws {
        guard let item = memo[index] else { throw error("malformed pickle: memo GET of missing entry \(index)") }
        stack.append(item)
    }

    // MARK: - Reading

    private mutating func read(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else {
            throw error("file is truncated (pickle needs \(count) more bytes at byte \(position), "
                        + "\(bytes.count - position) left)")
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    private mutating func readByte() throws -> UInt8 { try read(1).first! }

    private mutating func readUInt16() throws -> UInt16 {
        try read(2).reversed().reduce(UInt16(0)) { $0 << 8 | UInt16($1) }
    }

    private mutating func readUInt32() throws -> UInt32 {
        try read(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    private mutating func readLength32() throws -> Int { Int(try readUInt32()) }

    private mutating func readLength64() throws -> Int {
        let raw = try read(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard raw <= UInt64(Int.max) else { throw error("malformed pickle: length \(raw) at byte \(position - 8)") }
        return Int(raw)
    }

    /// LONG1/LONG4: a little-endian two's-complement integer of `count` bytes.
    private mutating func readLong(count: Int) throws -> PickleValue {
        let digits = Array(try read(count))
        guard !digits.isEmpty else { return .int(0) }
        if digits.count <= 8 {
            let negative = digits.last! & 0x80 != 0
            var raw: UInt64 = negative ? .max : 0
            for byte in digits.reversed() { raw = raw << 8 | UInt64(byte) }
            return .int(Int(Int64(bitPattern: raw)))
        }
        return .bigInt(digits)
    }

    private mutating func readUTF8(count: Int) throws -> String {
        let raw = try read(count)
        guard let text = String(bytes: raw, encoding: .utf8) else {
            throw error("malformed pickle: invalid UTF-8 string at byte \(position - count)")
        }
        return text
    }

    /// Python 2 `str` (protocol 2 pickles from Python 2): UTF-8 when valid, else Latin-1 (as `torch.load` decodes).
    private mutating func readPython2String(count: Int) throws -> String {
        let raw = try read(count)
        return String(bytes: raw, encoding: .utf8) ?? String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) }))
    }

    /// GLOBAL's arguments: text up to a newline.
    private mutating func readLine() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0a) else {
            throw error("file is truncated (GLOBAL without a newline at byte \(position))")
        }
        let text = String(decoding: bytes[position..<end], as: UTF8.self)
        position = end + 1
        return text
    }
}

extension PickleValue {
    /// Decodes one pickle of plain data (the opcodes and whitelisted globals `PickleMachine` accepts) without any
    /// PyTorch storages; `source` names the data in error messages.
    public init(unpickling bytes: [UInt8], source: String) throws {
        var machine = PickleMachine(bytes: bytes, source: source)
        self = try machine.load().materialized(source: source) { ref in
            throw LMConvError.corruptFile(source: source,
                                          reason: "the pickle references storage '\(ref.key)' but has no storages")
        }
    }
}
