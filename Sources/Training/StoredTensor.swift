import Foundation
import TensorCore

/// A tensor in a Codable form that restores it bit for bit: dtype, shape and the raw
/// little-endian element bytes as base64 (snapshots rely on exact round trips).
public struct StoredTensor: Codable, Equatable, Sendable {
    public var dtype: String
    public var shape: [Int]
    public var bytes: Data

    public init(_ tensor: Tensor) {
        dtype = tensor.dtype.rawValue
        shape = tensor.shape
        func raw<T: TensorElement>(_: T.Type) -> Data {
            tensor.withElements(T.self) { Data(buffer: $0) }
        }
        bytes = Tensor.dispatchAll(tensor.dtype) { raw($0) }
    }

    /// The tensor these bytes describe; throws when dtype, shape and byte count disagree.
    public func tensor() throws -> Tensor {
        guard let type = DType(rawValue: dtype) else {
            throw TrainingError.corruptState(detail: "unknown dtype '\(dtype)' in a stored tensor of shape \(shape)")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TrainingError.corruptState(detail: "negative size in stored tensor shape \(shape)")
        }
        var count = 1
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw TrainingError.corruptState(detail: "stored tensor shape \(shape) overflows") }
            count = product
        }
        guard bytes.count == count * type.byteSize else {
            throw TrainingError.corruptState(detail: "stored \(type) tensor of shape \(shape) needs \(count * type.byteSize) bytes, found \(bytes.count)")
        }
        var out = Tensor(zeros: shape, dtype: type)
        func fill<T: TensorElement>(_: T.Type) {
            out.withMutableElements(T.self) { destination in
                bytes.withUnsafeBytes { source in
                    if count > 0 { UnsafeMutableRawBufferPointer(destination).copyMemory(from: source) }
                }
            }
        }
        Tensor.dispatchAll(type) { fill($0) }
        return out
    }
}
