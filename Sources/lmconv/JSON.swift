import Foundation
import LMConv

/// A JSON value of the tool's `--json` output, written by ``JSONWriter`` (non-finite numbers as `null`).
indirect enum JSON: Encodable {
    case number(Double)
    case int(Int)
    case string(String)
    case bool(Bool)
    case null
    case array([JSON])
    case object([String: JSON])

    /// The value as JSON text.
    var text: String {
        // Cannot fail: every case encodes, non-finite numbers as null.
        try! JSONWriter.string(self)
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let v): if v.isFinite { try container.encode(v) } else { try container.encodeNil() }
        case .int(let v): try container.encode(v)
        case .string(let s): try container.encode(s)
        case .bool(let b): try container.encode(b)
        case .null: try container.encodeNil()
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }
}

/// A JSON text as a ``JSON`` value (null when absent or not JSON).
func decodedJSON(_ text: String?) -> JSON {
    guard let text, let value = try? JSONDecoder().decode(JSON.self, from: Data(text.utf8)) else { return .null }
    return value
}

extension JSON: Decodable {
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSON].self)) }
    }
}
