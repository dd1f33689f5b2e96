import Foundation

// JSON text written by hand where the exact bytes matter (safetensors headers, metrics lines): key order, number
// formatting and escaping under our control rather than JSONEncoder's.

/// `s` as a JSON string literal, with the escapes JSON requires (quote, backslash, control characters).
public func jsonStringLiteral(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}
