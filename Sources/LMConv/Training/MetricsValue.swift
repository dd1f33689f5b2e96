/// A value in a ``MetricsRecord``.
public enum MetricsValue: Sendable, Equatable, Encodable {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)

    /// The value as JSON; non-finite numbers, which JSON cannot hold, become `null`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let v): try container.encode(v)
        case .double(let v): if v.isFinite { try container.encode(v) } else { try container.encodeNil() }
        case .bool(let v): try container.encode(v)
        case .string(let s): try container.encode(s)
        }
    }

    /// The value as a Double (numbers only).
    public var number: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        default: return nil
        }
    }
}
