import CONNX
import Foundation

// Small bridges between the C shim's borrowed strings, counted arrays and errors and Swift.

extension connx_string {
    /// The bytes as UTF-8 text (invalid sequences become U+FFFD).
    var text: String {
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// A copy of the bytes.
    var bytes: Data {
        guard let data, length > 0 else { return Data() }
        return Data(bytes: data, count: length)
    }
}

/// Copies a counted C array that `read` returns (pointer plus count written through the argument).
func copyArray<T>(_ read: (UnsafeMutablePointer<Int>) -> UnsafePointer<T>?) -> [T] {
    var count = 0
    guard let pointer = read(&count), count > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: pointer, count: count))
}

/// Number of elements a counted C array accessor reports, without copying.
func countOf<T>(_ read: (UnsafeMutablePointer<Int>) -> UnsafePointer<T>?) -> Int {
    var count = 0
    _ = read(&count)
    return count
}

/// Calls `body` with the UTF-8 bytes of `text` as a C buffer and its length.
func withText<R>(_ text: String, _ body: (UnsafePointer<CChar>?, Int) throws -> R) rethrows -> R {
    var text = text
    return try text.withUTF8 { buffer in
        try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress, $0.count) }
    }
}

/// Calls `body` with the bytes of `data` as a C buffer and its length.
func withBytes<R>(_ data: Data, _ body: (UnsafePointer<CChar>?, Int) throws -> R) rethrows -> R {
    try data.withUnsafeBytes { raw in
        try body(raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
    }
}

/// A zeroed error slot for one C call; the message is released with the slot.
final class ShimError {
    var raw = connx_error(code: 0, message: nil)

    var message: String {
        guard let text = raw.message else { return "unknown error (code \(raw.code))" }
        return String(cString: text)
    }

    deinit { connx_error_clear(&raw) }
}

/// Owns a `connx_model` handle and frees it when released.
final class ModelHandle {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) { self.pointer = pointer }

    deinit { connx_model_free(pointer) }

    /// The serialised ModelProto.
    func serialized(source: String) throws -> Data {
        let size = connx_model_byte_size(pointer)
        if size > Int(Int32.max) {
            throw ONNXError.tooLarge(file: source, detail: "the model is \(size) bytes, beyond protobuf's 2 GiB limit; write its tensors as external data (ONNXWriter.externalDataThreshold)")
        }
        var data = Data(count: size)
        let error = ShimError()
        let code = data.withUnsafeMutableBytes { connx_model_serialize_into(pointer, $0.baseAddress, $0.count, &error.raw) }
        guard code == Int32(CONNX_OK) else { throw ONNXError.serializationFailed(file: source, detail: error.message) }
        return data
    }
}
