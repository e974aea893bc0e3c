import Foundation
import TensorCore

/// Reads NumPy `.npy` files (version 1-3, little-endian, C order) into tensors: the fixtures that
/// scripts/make-test-models.py writes from onnxruntime.
enum NPY {
    struct FormatError: Error, CustomStringConvertible {
        let file: String
        let detail: String
        var description: String { "\(file): not a readable .npy file: \(detail)" }
    }

    static func read(_ url: URL) throws -> Tensor {
        let bytes = [UInt8](try Data(contentsOf: url))
        let fail = { (detail: String) in FormatError(file: url.path, detail: detail) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else { throw fail("bad magic") }
        let major = bytes[6]
        var headerStart = 10
        var headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        if major >= 2 {
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        guard headerStart + headerLength <= bytes.count,
              let header = String(bytes: bytes[headerStart..<headerStart + headerLength], encoding: .utf8) else { throw fail("truncated header") }
        guard let descr = field(header, "descr").map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) }) else { throw fail("no descr") }
        guard header.contains("'fortran_order': False") else { throw fail("Fortran order is not supported") }
        guard let shapeText = header.range(of: "'shape': (").map({ header[$0.upperBound...] }),
              let close = shapeText.firstIndex(of: ")") else { throw fail("no shape") }
        let shape = try shapeText[..<close].split(separator: ",").map { part -> Int in
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let n = Int(text) else { throw fail("bad shape entry '\(text)'") }
            return n
        }
        let body = Array(bytes[(headerStart + headerLength)...])
        let count = shape.reduce(1, *)
        func elements<T: TensorElement>(_: T.Type) throws -> Tensor {
            guard body.count >= count * MemoryLayout<T>.size else { throw fail("\(body.count) data bytes for \(count) elements of \(descr)") }
            let values = body.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) } }
            return try Tensor(shape: shape, scalars: values)
        }
        switch descr {
        case "<f4": return try elements(Float.self)
        case "<f8": return try elements(Double.self)
        case "<i8": return try elements(Int64.self)
        case "<i4": return try elements(Int32.self)
        case "|u1": return try elements(UInt8.self)
        case "|i1": return try elements(Int8.self)
        case "|b1": return try elements(Bool.self)
        default: throw fail("dtype \(descr) is not supported")
        }
    }

    private static func field(_ header: String, _ key: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        let rest = header[range.upperBound...]
        guard let end = rest.firstIndex(of: ",") else { return nil }
        return String(rest[..<end])
    }
}
