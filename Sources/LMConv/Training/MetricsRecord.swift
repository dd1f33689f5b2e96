/// One line of a run's `metrics.jsonl`: a JSON object with the key `step` and the record's fields (written with
/// sorted keys, like all JSON of the package).
public struct MetricsRecord: Sendable, Equatable {
    /// The optimizer step the record belongs to.
    public var step: Int
    /// Further fields: numbers, strings or booleans.
    public var fields: [(String, MetricsValue)]

    public init(step: Int, _ fields: [(String, MetricsValue)]) {
        self.step = step
        self.fields = fields
    }

    /// The field named `key`.
    public subscript(key: String) -> MetricsValue? { fields.first { $0.0 == key }?.1 }

    /// The record as one line of JSON (no newline).
    public var jsonLine: String {
        var object = Dictionary(fields, uniquingKeysWith: { _, last in last })
        object["step"] = .int(step)
        // Cannot fail: MetricsValue encodes every value, non-finite numbers as null.
        return try! JSONWriter.string(object)
    }

    public static func == (a: MetricsRecord, b: MetricsRecord) -> Bool { a.jsonLine == b.jsonLine }
}
