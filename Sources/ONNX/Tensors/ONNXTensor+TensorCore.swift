import Foundation
import TensorCore

#if !_endian(little)
#error("ONNX raw_data is little-endian; this code copies it without byte swapping")
#endif

extension ONNXTensor {
    /// The values as little-endian element bytes (the `raw_data` form), converted from a typed
    /// field when needed. Throws for strings, types of unknown size and unloaded external data.
    public func rawBytes(source: String = "<memory>") throws -> Data {
        try validate(source: source)
        let label = name.isEmpty ? "<unnamed>" : name
        guard let width = dataType.byteSize else {
            throw ONNXError.unsupportedDataType(file: source, tensor: label, dataType: dataType)
        }
        switch data {
        case let .raw(bytes):
            return bytes
        case let .external(reference):
            throw ONNXError.invalidExternalData(
                file: source, tensor: label,
                detail: "its data in '\(reference.location)' has not been loaded; read the model with externalData: .load")
        case let .floats(values):
            return values.withUnsafeBufferPointer { Data(buffer: $0) }
        case let .doubles(values):
            return values.withUnsafeBufferPointer { Data(buffer: $0) }
        case let .int64s(values):
            return values.withUnsafeBufferPointer { Data(buffer: $0) }
        case let .uint64s(values):
            if width == 8 { return values.withUnsafeBufferPointer { Data(buffer: $0) } }
            return Self.narrowed(values.map { UInt32(truncatingIfNeeded: $0) }, width: width)
        case let .int32s(values):
            return Self.narrowed(values.map { UInt32(bitPattern: $0) }, width: width)
        case .strings:
            throw ONNXError.unsupportedDataType(file: source, tensor: label, dataType: dataType)
        }
    }

    /// The low `width` bytes of each value, little-endian (int32_data holds narrow types widened).
    private static func narrowed(_ values: [UInt32], width: Int) -> Data {
        var bytes = Data(count: values.count * width)
        bytes.withUnsafeMutableBytes { raw in
            guard let out = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            for (index, value) in values.enumerated() {
                for byte in 0..<width { out[index * width + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(byte))) }
            }
        }
        return bytes
    }

    /// A TensorCore `Tensor` holding these values (FLOAT16 stays Float16 storage; BOOL bytes
    /// other than 0 read as true). Throws a typed error naming the tensor for other types.
    public func makeTensor(source: String = "<memory>") throws -> Tensor {
        let label = name.isEmpty ? "<unnamed>" : name
        guard let dtype = dataType.dtype else {
            throw ONNXError.unsupportedDataType(file: source, tensor: label, dataType: dataType)
        }
        let bytes = try rawBytes(source: source)
        var tensor = Tensor(uninitialized: dims, dtype: dtype)
        if dtype == .bool {
            tensor.withMutableElements(Bool.self) { out in
                bytes.withUnsafeBytes { raw in
                    for index in 0..<out.count { out[index] = raw.load(fromByteOffset: index, as: UInt8.self) != 0 }
                }
            }
            return tensor
        }
        func copy<T: TensorElement>(_: T.Type) {
            tensor.withMutableElements(T.self) { out in
                bytes.withUnsafeBytes { raw in
                    let count = min(raw.count, out.count * MemoryLayout<T>.stride)
                    UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(start: raw.baseAddress, count: count))
                }
            }
        }
        Tensor.dispatchAll(dtype) { copy($0) }
        return tensor
    }

    /// A tensor named `name` holding `tensor`'s values as `raw_data`.
    public init(name: String, tensor: Tensor) {
        func bytes<T: TensorElement>(_: T.Type) -> Data {
            tensor.withElements(T.self) { Data(buffer: $0) }
        }
        self.init(name: name, dataType: ONNXDataType(tensor.dtype), dims: tensor.shape,
                  data: .raw(Tensor.dispatchAll(tensor.dtype) { bytes($0) }))
    }
}
