/// The pickle machine's working values. Python lists and dicts are mutable and shared through the memo (a list
/// stored with BINPUT may be appended to afterwards and fetched again with BINGET), so they live in reference boxes
/// while unpickling and become `PickleValue`s only at the end (`PickleItem.materialized`).
indirect enum PickleItem {
    /// An immutable scalar, string or bytes.
    case value(PickleValue)
    case list(PickleListBox)
    case dict(PickleDictBox)
    case tuple([PickleItem])
    /// A whitelisted `module.name` pushed by GLOBAL; only `PickleGlobals` gives it meaning.
    case global(String)
    /// A storage named by a persistent id; its bytes are fetched when the value is materialized.
    case storage(TorchStorageRef)
    /// A tensor view of a storage, rebuilt when the value is materialized.
    case tensor(TorchTensorRef)

    /// A short name of the item's kind for error messages.
    var kindName: String {
        switch self {
        case .value(let v): return v.kindName
        case .list: return "list"
        case .dict(let box): return box.isNamespace ? "argparse.Namespace" : "dict"
        case .tuple: return "tuple"
        case .global(let name): return "'\(name)'"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }

    var intValue: Int? {
        if case .value(let v) = self { return v.intValue }
        return nil
    }

    var stringValue: String? {
        if case .value(.string(let s)) = self { return s }
        return nil
    }

    var isNotNone: Bool {
        if case .value(.none) = self { return false }
        return true
    }

    var tupleItems: [PickleItem]? {
        switch self {
        case .tuple(let items): return items
        case .list(let box): return box.items
        default: return nil
        }
    }
}

final class PickleListBox {
    var items: [PickleItem] = []
}

final class PickleDictBox {
    private(set) var keys: [PickleItem] = []
    private(set) var values: [PickleItem] = []
    private var index: [PickleKey: Int] = [:]
    /// An `argparse.Namespace`: its BUILD state becomes its entries.
    let isNamespace: Bool

    init(isNamespace: Bool = false) { self.isNamespace = isNamespace }

    /// Python's `d[key] = value`: replaces the value of an equal key in place, else appends.
    func set(_ key: PickleItem, _ value: PickleItem, source: String) throws {
        guard let hashKey = PickleKey(key) else {
            throw LMConvError.corruptFile(source: source,
                                          reason: "unhashable dict key of type \(key.kindName) in pickle")
        }
        if let i = index[hashKey] {
            values[i] = value
        } else {
            index[hashKey] = keys.count
            keys.append(key)
            values.append(value)
        }
    }
}

extension PickleItem {
    /// The plain value of this item, with every tensor copied out of its storage (`storages` returns the bytes of
    /// a storage). Throws for values that are not plain data (a bare global or storage). `path` locates the item
    /// (`model_state_dict.u_init.weight`) in error messages.
    func materialized(
        source: String, storages: (TorchStorageRef) throws -> TorchStorageBytes, path: String = "", depth: Int = 0
    ) throws -> PickleValue {
        // Checkpoints are shallow; a very deep structure means a self-referencing list or dict.
        guard depth < 1000 else {
            throw LMConvError.corruptFile(source: source,
                                          reason: "pickle nests deeper than 1000 levels (a self-referencing container?)")
        }
        func convert(_ item: PickleItem, _ step: String) throws -> PickleValue {
            try item.materialized(source: source, storages: storages, path: path + step, depth: depth + 1)
        }
        let location = path.isEmpty ? "" : " at '\(path)'"
        switch self {
        case .value(let v): return v
        case .list(let box): return .list(try box.items.enumerated().map { try convert($1, "[\($0)]") })
        case .tuple(let items): return .tuple(try items.enumerated().map { try convert($1, "[\($0)]") })
        case .dict(let box):
            return .dict(try zip(box.keys, box.values).map { key, value in
                let name = key.stringValue ?? key.intValue.map(String.init) ?? "?"
                return (key: try convert(key, path.isEmpty ? name : "." + name),
                        value: try convert(value, path.isEmpty ? name : "." + name))
            })
        case .global(let name):
            throw LMConvError.unsupported(source: source,
                                          reason: "the pickle leaves the global '\(name)' as a value\(location), "
                              + "which is not plain data")
        case .storage(let ref):
            throw LMConvError.corruptFile(source: source,
                                          reason: "the pickle holds a bare storage '\(ref.key)'\(location) outside any tensor")
        case .tensor(let ref):
            let bytes = try storages(ref.storage)
            let tensor = try gatherView(storage: bytes, offset: ref.offset, size: ref.size, stride: ref.stride,
                                        requiresGrad: ref.requiresGrad) {
                "\(source): tensor\(location) (storage '\(ref.storage.key)')"
            }
            return .tensor(tensor)
        }
    }
}
