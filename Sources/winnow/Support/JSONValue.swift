/// A JSON value with ordered object keys, so machine-readable output is stable and readable.
enum JSONValue {
    case number(Double)
    case integer(Int)
    case string(String)
    case bool(Bool)
    case array([JSONValue])
    case object([(String, JSONValue)])
    case null

    /// Compact serialisation (one line).
    var serialized: String {
        switch self {
        case let .number(v):
            guard v.isFinite else { return "null" }
            return "\(v)"
        case let .integer(v): return "\(v)"
        case let .string(s): return JSONValue.quote(s)
        case let .bool(b): return b ? "true" : "false"
        case let .array(items): return "[" + items.map(\.serialized).joined(separator: ", ") + "]"
        case let .object(pairs): return "{" + pairs.map { JSONValue.quote($0.0) + ": " + $0.1.serialized }.joined(separator: ", ") + "}"
        case .null: return "null"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
