import Foundation

/// The `id,label` CSV of a pool (RFC 4180 quoting), read by hand because opening a pool must
/// stay fast: 100k rows parse in a few tens of milliseconds.
enum SampleTable {
    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The table text: header `id,label`, one row per sample (empty label when unlabelled).
    static func encode(ids: [SampleID], labels: [Int]?, classNames: [String]) -> String {
        var out = "id,label\n"
        out.reserveCapacity(ids.count * 32)
        for (i, id) in ids.enumerated() {
            out += quote(id.rawValue)
            out += ","
            if let labels { out += quote(classNames[labels[i]]) }
            out += "\n"
        }
        return out
    }

    /// Rows of fields; throws on an unterminated quote.
    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var i = 0
        let n = bytes.count
        var quoted = false
        var line = 1
        func endField() { row.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        while i < n {
            let b = bytes[i]
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < n, bytes[i + 1] == UInt8(ascii: "\"") { field.append(b); i += 2; continue }
                    quoted = false
                } else {
                    if b == UInt8(ascii: "\n") { line += 1 }
                    field.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case UInt8(ascii: "\""): quoted = true
            case UInt8(ascii: ","): endField()
            case UInt8(ascii: "\r"): break
            case UInt8(ascii: "\n"):
                endField(); rows.append(row); row.removeAll(keepingCapacity: true); line += 1
            default: field.append(b)
            }
            i += 1
        }
        if quoted { throw DatasetsError.malformed(path: path, reason: "a quoted field starting before line \(line) never ends") }
        if !field.isEmpty || !row.isEmpty { endField(); rows.append(row) }
        return rows
    }
}
