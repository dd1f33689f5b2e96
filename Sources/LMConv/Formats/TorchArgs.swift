import Foundation

/// Typed access to the reference's saved `args`; `None` counts as absent, a value of the wrong type is an error.
struct TorchArgs {
    let values: [String: PickleValue]
    let source: String

    private func present(_ key: String) -> PickleValue? {
        guard let value = values[key], !value.isNone else { return nil }
        return value
    }

    private func wrongType(_ key: String, _ value: PickleValue, _ expected: String) -> LMConvError {
        LMConvError.corruptFile(source: source, reason: "args '\(key)' is \(value), expected \(expected)")
    }

    func int(_ key: String) throws -> Int? {
        guard let value = present(key) else { return nil }
        if case .int(let v) = value { return v }
        if case .float(let v) = value, v == v.rounded(), abs(v) < 1e15 { return Int(v) }
        throw wrongType(key, value, "an integer")
    }

    /// Flags, leniently: `store_true` options are bools, but 0/1 are accepted.
    func bool(_ key: String) -> Bool? {
        guard let value = present(key) else { return nil }
        if let v = value.boolValue { return v }
        if let v = value.intValue { return v != 0 }
        return nil
    }

    func checkedBool(_ key: String) throws -> Bool? {
        guard let value = present(key) else { return nil }
        guard let flag = bool(key) else { throw wrongType(key, value, "True or False") }
        return flag
    }

    func double(_ key: String) throws -> Double? {
        guard let value = present(key) else { return nil }
        guard let v = value.doubleValue else { throw wrongType(key, value, "a number") }
        return v
    }

    func string(_ key: String) throws -> String? {
        guard let value = present(key) else { return nil }
        guard let v = value.stringValue else { throw wrongType(key, value, "a string") }
        return v
    }

    /// A list of strings, or one string (older versions of the script took a single `--order`).
    func strings(_ key: String) throws -> [String]? {
        guard let value = present(key) else { return nil }
        if let v = value.stringValue { return [v] }
        if let items = value.listValue {
            let strings = items.compactMap(\.stringValue)
            if strings.count == items.count { return strings }
        }
        throw wrongType(key, value, "a list of strings")
    }

    func ints(_ key: String) throws -> [Int]? {
        guard let value = present(key) else { return nil }
        if case .int(let v) = value { return [v] }
        if let items = value.listValue {
            let ints = items.compactMap { item -> Int? in if case .int(let v) = item { return v } else { return nil } }
            if ints.count == items.count { return ints }
        }
        throw wrongType(key, value, "a list of integers")
    }
}
