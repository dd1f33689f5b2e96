/// The hashable image of a dict key. Mirrors Python's equalities that matter here (True == 1, 1.0 == 1).
enum PickleKey: Hashable {
    case none, int(Int), bigInt([UInt8]), float(Double), string(String), bytes([UInt8]), tuple([PickleKey])

    init?(_ item: PickleItem) {
        switch item {
        case .value(let v):
            switch v {
            case .none: self = .none
            case .bool(let b): self = .int(b ? 1 : 0)
            case .int(let i): self = .int(i)
            case .bigInt(let b): self = .bigInt(b)
            case .float(let d):
                if let i = Int(exactly: d) { self = .int(i) } else { self = .float(d) }
            case .string(let s): self = .string(s)
            case .bytes(let b): self = .bytes(b)
            default: return nil
            }
        case .tuple(let items):
            var keys: [PickleKey] = []
            for item in items {
                guard let key = PickleKey(item) else { return nil }
                keys.append(key)
            }
            self = .tuple(keys)
        default:
            return nil
        }
    }
}
