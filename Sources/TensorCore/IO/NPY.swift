import Foundation

/// What an `.npy` header says: element type, shape, layout and where the values start.
///
/// `dataOffset` lets a caller memory-map the values (a packed pool does) instead of reading them.
public struct NPYHeader: Sendable, Equatable {
    public var dtype: DType
    public var shape: [Int]
    /// Column-major values (NumPy's `fortran_order`).
    public var fortranOrder: Bool
    /// Values stored big-endian (`>` in the descr); they are swapped on read.
    public var bigEndian: Bool
    /// Byte offset of the first value in the file.
    public var dataOffset: Int

    /// Number of elements.
    public var count: Int { Shape.count(shape) }
    /// Number of bytes the values take.
    public var byteCount: Int { count * dtype.byteSize }
}

/// Errors reading or writing NPY files; each names the file and what to do.
public enum NPYError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case malformed(file: String, detail: String)
    case unsupportedDType(file: String, descr: String)
    case truncated(file: String, expectedBytes: Int, actualBytes: Int)
    case unwritable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the NPY file (\(reason))"
        case let .malformed(file, detail):
            return "\(file): not a valid NPY file: \(detail); write it with numpy.save"
        case let .unsupportedDType(file, descr):
            return "\(file): NPY dtype '\(descr)' is not supported; use float32, float64, float16, int64, int32, int8, uint8 or bool"
        case let .truncated(file, expected, actual):
            return "\(file): NPY data is truncated: the header promises \(expected) bytes of values, the file holds \(actual)"
        case let .unwritable(file, reason):
            return "\(file): cannot write the NPY file (\(reason))"
        }
    }
}

/// NumPy's `.npy` format (versions 1.0, 2.0 and 3.0), the tensor format users' Python reads.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] // "\x93NUMPY"

    // MARK: Reading

    /// Reads a whole `.npy` file into a contiguous row-major tensor.
    public static func read(contentsOf url: URL) throws -> Tensor {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path) ? error.localizedDescription : "no such file"
            throw NPYError.unreadable(file: url.path, reason: reason)
        }
        return try decode(data, source: url.path)
    }

    /// Reads only the header of a `.npy` file (for memory-mapping its values).
    public static func readHeader(contentsOf url: URL) throws -> NPYHeader {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            let reason = FileManager.default.fileExists(atPath: url.path) ? "permission denied" : "no such file"
            throw NPYError.unreadable(file: url.path, reason: reason)
        }
        defer { try? handle.close() }
        let prefix = (try? handle.read(upToCount: 12)) ?? Data()
        guard prefix.count >= 10 else {
            throw NPYError.malformed(file: url.path, detail: "the file is \(prefix.count) bytes long, shorter than an NPY preamble")
        }
        let version = prefix[prefix.startIndex + 6]
        let lengthBytes = version == 1 ? 2 : 4
        guard prefix.count >= 8 + lengthBytes else {
            throw NPYError.malformed(file: url.path, detail: "the header length is cut off")
        }
        var headerLength = 0
        for i in 0..<lengthBytes { headerLength |= Int(prefix[prefix.startIndex + 8 + i]) << (8 * i) }
        guard headerLength <= 1 << 24 else {
            throw NPYError.malformed(file: url.path, detail: "the header claims \(headerLength) bytes")
        }
        try handle.seek(toOffset: 0)
        let head = (try? handle.read(upToCount: 8 + lengthBytes + headerLength)) ?? Data()
        return try parseHeader(head, source: url.path)
    }

    /// Parses the preamble and header dictionary at the start of `bytes`.
    public static func parseHeader(_ bytes: Data, source: String = "<memory>") throws -> NPYHeader {
        let b = [UInt8](bytes.prefix(12))
        guard b.count >= 10, Array(b[0..<6]) == magic else {
            throw NPYError.malformed(file: source, detail: "it does not start with the \\x93NUMPY magic")
        }
        let major = b[6]
        guard (1...3).contains(major) else {
            throw NPYError.malformed(file: source, detail: "format version \(major).\(b[7]) is unknown (1.0, 2.0, 3.0 are)")
        }
        let lengthBytes = major == 1 ? 2 : 4
        guard b.count >= 8 + lengthBytes else { throw NPYError.malformed(file: source, detail: "the header length is cut off") }
        var headerLength = 0
        for i in 0..<lengthBytes { headerLength |= Int(b[8 + i]) << (8 * i) }
        let start = 8 + lengthBytes
        guard bytes.count >= start + headerLength else {
            throw NPYError.malformed(file: source, detail: "the header is cut off (\(headerLength) bytes promised, \(bytes.count - start) present)")
        }
        let headerBytes = bytes.subdata(in: bytes.startIndex + start ..< bytes.startIndex + start + headerLength)
        let encoding: String.Encoding = major == 3 ? .utf8 : .isoLatin1
        guard let text = String(data: headerBytes, encoding: encoding) else {
            throw NPYError.malformed(file: source, detail: "the header is not text")
        }
        var dict = try HeaderDictionary(text: text, source: source)
        let descr = try dict.string("descr")
        let fortran = try dict.bool("fortran_order")
        let shape = try dict.shape("shape")
        let (dtype, bigEndian) = try dtypeFor(descr: descr, source: source)
        var total = 1
        for size in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Int(Int32.max) * 64 else {
                throw NPYError.malformed(file: source, detail: "shape \(shape) is too large")
            }
            total = product
        }
        return NPYHeader(dtype: dtype, shape: shape, fortranOrder: fortran, bigEndian: bigEndian, dataOffset: start + headerLength)
    }

    /// Decodes a whole `.npy` file held in memory.
    public static func decode(_ data: Data, source: String = "<memory>") throws -> Tensor {
        let header = try parseHeader(data, source: source)
        let available = data.count - header.dataOffset
        guard available >= header.byteCount else {
            throw NPYError.truncated(file: source, expectedBytes: header.byteCount, actualBytes: max(0, available))
        }
        // Fortran order is the row-major layout of the reversed shape; transpose back.
        let storedShape = header.fortranOrder ? Array(header.shape.reversed()) : header.shape
        var tensor = Tensor(uninitialized: storedShape, dtype: header.dtype)
        let byteSize = header.dtype.byteSize
        func fill<T: TensorElement>(_: T.Type) {
            tensor.withMutableElements(T.self) { out in
                let raw = UnsafeMutableRawBufferPointer(out)
                data.withUnsafeBytes { src in
                    guard header.byteCount > 0, let base = src.baseAddress else { return }
                    raw.copyMemory(from: UnsafeRawBufferPointer(start: base + header.dataOffset, count: header.byteCount))
                }
                if header.bigEndian && byteSize > 1 {
                    for i in 0..<out.count {
                        let p = raw.baseAddress! + i * byteSize
                        var lo = 0, hi = byteSize - 1
                        while lo < hi {
                            let t = p.load(fromByteOffset: lo, as: UInt8.self)
                            p.storeBytes(of: p.load(fromByteOffset: hi, as: UInt8.self), toByteOffset: lo, as: UInt8.self)
                            p.storeBytes(of: t, toByteOffset: hi, as: UInt8.self)
                            lo += 1; hi -= 1
                        }
                    }
                }
                if header.dtype == .bool {
                    // NumPy bools are bytes; anything nonzero is true, stored as 1.
                    let bytes = raw.bindMemory(to: UInt8.self)
                    for i in 0..<bytes.count where bytes[i] > 1 { bytes[i] = 1 }
                }
            }
        }
        Tensor.dispatchAll(header.dtype) { fill($0) }
        if header.fortranOrder && storedShape.count > 1 {
            let permutation = Array((0..<storedShape.count).reversed())
            return try tensor.transposed(permutation: permutation).contiguous()
        }
        return tensor
    }

    // MARK: Writing

    /// The `.npy` bytes (format 1.0, little-endian, C order) of `tensor`.
    public static func encode(_ tensor: Tensor) -> Data {
        let shapeText: String
        switch tensor.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(tensor.shape[0]),)"
        default: shapeText = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(descr(for: tensor.dtype))', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad so the values start on a 64-byte boundary, ending with a newline.
        let preamble = 10
        let padded = (preamble + header.utf8.count + 1 + 63) / 64 * 64
        header += String(repeating: " ", count: padded - preamble - header.utf8.count - 1) + "\n"
        var data = Data(magic)
        data.append(contentsOf: [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        func append<T: TensorElement>(_: T.Type) {
            tensor.withElements(T.self) { data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
        }
        if tensor.count > 0 { Tensor.dispatchAll(tensor.dtype) { append($0) } }
        return data
    }

    /// Writes `tensor` to `url` through a temporary file and a rename, so a reader never sees
    /// half a file.
    public static func write(_ tensor: Tensor, to url: URL) throws {
        try writeAtomically(encode(tensor), to: url)
    }

    /// Writes bytes to a temporary file beside `url`, then renames it over `url`.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw NPYError.unwritable(file: url.path, reason: reason)
            }
        } catch let error as NPYError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw NPYError.unwritable(file: url.path, reason: error.localizedDescription)
        }
    }

    // MARK: dtypes

    /// The NumPy descr for a dtype.
    public static func descr(for dtype: DType) -> String {
        switch dtype {
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .float16: return "<f2"
        case .int64: return "<i8"
        case .int32: return "<i4"
        case .int8: return "|i1"
        case .uint8: return "|u1"
        case .bool: return "|b1"
        }
    }

    static func dtypeFor(descr: String, source: String) throws -> (DType, bigEndian: Bool) {
        guard let order = descr.first, descr.count >= 3 else { throw NPYError.unsupportedDType(file: source, descr: descr) }
        let code = String(descr.dropFirst())
        let bigEndian: Bool
        switch order {
        case "<", "|", "=": bigEndian = false
        case ">": bigEndian = true
        default: throw NPYError.unsupportedDType(file: source, descr: descr)
        }
        let dtype: DType
        switch code {
        case "f4": dtype = .float32
        case "f8": dtype = .float64
        case "f2": dtype = .float16
        case "i8": dtype = .int64
        case "i4": dtype = .int32
        case "i1": dtype = .int8
        case "u1": dtype = .uint8
        case "b1": dtype = .bool
        default: throw NPYError.unsupportedDType(file: source, descr: descr)
        }
        return (dtype, bigEndian)
    }
}

/// The small Python-literal dictionary of an NPY header: string, bool and tuple-of-int values.
private struct HeaderDictionary {
    var values: [String: String] = [:]
    let source: String

    init(text: String, source: String) throws {
        self.source = source
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{"), trimmed.hasSuffix("}") else {
            throw NPYError.malformed(file: source, detail: "the header is not a dictionary: \(trimmed.prefix(80))")
        }
        var body = Substring(trimmed.dropFirst().dropLast())
        while true {
            body = body.drop { $0 == " " || $0 == "," || $0 == "\n" }
            if body.isEmpty { break }
            guard let quote = body.first, quote == "'" || quote == "\"" else {
                throw NPYError.malformed(file: source, detail: "expected a quoted key in the header at '\(body.prefix(20))'")
            }
            body = body.dropFirst()
            guard let keyEnd = body.firstIndex(of: quote) else { throw NPYError.malformed(file: source, detail: "unterminated key in the header") }
            let key = String(body[..<keyEnd])
            body = body[body.index(after: keyEnd)...].drop { $0 == " " }
            guard body.first == ":" else { throw NPYError.malformed(file: source, detail: "expected ':' after '\(key)' in the header") }
            body = body.dropFirst().drop { $0 == " " }
            let valueEnd: Substring.Index
            if body.first == "(" {
                guard let close = body.firstIndex(of: ")") else { throw NPYError.malformed(file: source, detail: "unterminated tuple for '\(key)'") }
                valueEnd = body.index(after: close)
            } else if let q = body.first, q == "'" || q == "\"" {
                guard let close = body.dropFirst().firstIndex(of: q) else { throw NPYError.malformed(file: source, detail: "unterminated string for '\(key)'") }
                valueEnd = body.index(after: close)
            } else {
                valueEnd = body.firstIndex(of: ",") ?? body.endIndex
            }
            values[key] = String(body[..<valueEnd]).trimmingCharacters(in: .whitespaces)
            body = body[valueEnd...]
        }
    }

    mutating func raw(_ key: String) throws -> String {
        guard let v = values[key] else { throw NPYError.malformed(file: source, detail: "the header has no '\(key)'") }
        return v
    }

    mutating func string(_ key: String) throws -> String {
        let v = try raw(key)
        guard v.count >= 2, let q = v.first, q == "'" || q == "\"", v.last == q else {
            throw NPYError.malformed(file: source, detail: "'\(key)' must be a string, got \(v)")
        }
        return String(v.dropFirst().dropLast())
    }

    mutating func bool(_ key: String) throws -> Bool {
        switch try raw(key) {
        case "True": return true
        case "False": return false
        case let v: throw NPYError.malformed(file: source, detail: "'\(key)' must be True or False, got \(v)")
        }
    }

    mutating func shape(_ key: String) throws -> [Int] {
        let v = try raw(key)
        guard v.hasPrefix("("), v.hasSuffix(")") else { throw NPYError.malformed(file: source, detail: "'\(key)' must be a tuple, got \(v)") }
        let inner = v.dropFirst().dropLast()
        var sizes: [Int] = []
        for part in inner.split(separator: ",") {
            let item = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if item.isEmpty { continue }
            guard let size = Int(item), size >= 0 else {
                throw NPYError.malformed(file: source, detail: "'\(key)' holds '\(item)', not a size")
            }
            sizes.append(size)
        }
        return sizes
    }
}
