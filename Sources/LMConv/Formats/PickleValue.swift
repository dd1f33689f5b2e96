/// A plain-data value decoded from a Python pickle by `PickleMachine` (the subset PyTorch checkpoints use).
///
/// Containers are values: a `dict` keeps its entries in insertion order (as Python 3.7+ dicts and
/// `collections.OrderedDict` do). An `argparse.Namespace` is decoded as the `dict` of its attributes.
public indirect enum PickleValue: Sendable, Equatable {
    case none
    case bool(Bool)
    /// A Python `int` that fits in 64 bits.
    case int(Int)
    /// A Python `int` too large for 64 bits: its little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([PickleValue])
    case tuple([PickleValue])
    /// A `dict`, `collections.OrderedDict` or `argparse.Namespace`, in insertion order.
    case dict([(key: PickleValue, value: PickleValue)])
    /// A `torch.Tensor` (or `torch.nn.Parameter`), copied out of its storage into contiguous row-major order.
    case tensor(TorchTensor)

    public static func == (lhs: PickleValue, rhs: PickleValue) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.bigInt(a), .bigInt(b)): return a == b
        case let (.float(a), .float(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.bytes(a), .bytes(b)): return a == b
        case let (.list(a), .list(b)), let (.tuple(a), .tuple(b)): return a == b
        case let (.dict(a), .dict(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.tensor(a), .tensor(b)): return a == b
        default: return false
        }
    }
}

// MARK: - Accessors

extension PickleValue {
    /// The value stored under a string key when this is a `dict`; `nil` otherwise or when the key is absent.
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let entries) = self else { return nil }
        return entries.first { $0.key == .string(key) }?.value
    }

    /// The element at `index` of a `list` or `tuple`; `nil` otherwise or when out of range.
    public subscript(index: Int) -> PickleValue? {
        guard let items = listValue, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The integer of an `int` (or of a `bool`, as Python treats it); `nil` otherwise.
    public var intValue: Int? {
        switch self {
        case .int(let v): return v
        case .bool(let v): return v ? 1 : 0
        default: return nil
        }
    }

    /// The number of a `float` or an `int`; `nil` otherwise.
    public var doubleValue: Double? {
        switch self {
        case .float(let v): return v
        case .int(let v): return Double(v)
        default: return nil
        }
    }

    /// The flag of a `bool`; `nil` otherwise.
    public var boolValue: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    /// The text of a `string`; `nil` otherwise.
    public var stringValue: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    /// The elements of a `list` or a `tuple`; `nil` otherwise.
    public var listValue: [PickleValue]? {
        switch self {
        case .list(let v), .tuple(let v): return v
        default: return nil
        }
    }

    /// The entries of a `dict`, in order; `nil` otherwise.
    public var dictValue: [(key: PickleValue, value: PickleValue)]? {
        if case .dict(let v) = self { return v }
        return nil
    }

    /// The tensor of a `tensor`; `nil` otherwise.
    public var tensorValue: TorchTensor? {
        if case .tensor(let v) = self { return v }
        return nil
    }

    /// `true` for `none`.
    public var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}

// MARK: - Description

extension PickleValue: CustomStringConvertible {
    /// A Python-like rendering (tensors shown by dtype and shape only).
    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let v): return v ? "True" : "False"
        case .int(let v): return String(v)
        case .bigInt(let bytes): return "<int of \(bytes.count) bytes>"
        case .float(let v): return String(v)
        case .string(let v): return "'\(v)'"
        case .bytes(let v): return "<\(v.count) bytes>"
        case .list(let v): return "[" + v.map(\.description).joined(separator: ", ") + "]"
        case .tuple(let v): return "(" + v.map(\.description).joined(separator: ", ") + (v.count == 1 ? ",)" : ")")
        case .dict(let v): return "{" + v.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .tensor(let t): return "tensor(\(t.dtype), shape: \(t.shape))"
        }
    }
}

extension PickleValue {
    /// The Python name of the value's kind, for error messages ("dict", "tensor", ...).
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .tensor: return "tensor"
        }
    }
}
