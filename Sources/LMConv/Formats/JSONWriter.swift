import Foundation

/// The package's one JSON writer, for every JSON it produces (safetensors headers, checkpoint metadata, metrics
/// lines, run.json, the tool's `--json` output): Foundation's encoders with one set of options. Keys are sorted, so
/// the same value always gives the same bytes; slashes stay unescaped (paths read as paths); output is compact
/// unless `pretty`. JSON has no NaN or infinity: the types written here encode non-finite numbers as `null`.
public enum JSONWriter {
    /// `value` as UTF-8 JSON text.
    public static func bytes<T: Encodable>(_ value: T, pretty: Bool = false) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// `value` as JSON text.
    public static func string<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        String(decoding: try bytes(value, pretty: pretty), as: UTF8.self)
    }

    /// A value parsed by `JSONSerialization` (dictionary, array, string, number, `NSNull`) written back as JSON text,
    /// with the same options; nil for anything else.
    public static func string(jsonObject value: Any) -> String? {
        guard let data = try? JSONSerialization.data(
            withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
