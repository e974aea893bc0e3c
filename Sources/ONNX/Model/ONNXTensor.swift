import Foundation

/// A TensorProto as stored: name, element type, dims and the data in whichever field held it.
public struct ONNXTensor: Sendable, Equatable {
    /// The tensor's name (the initializer name; often empty for attribute tensors).
    public var name: String
    public var dataType: ONNXDataType
    /// Size of every axis; empty for a scalar.
    public var dims: [Int]
    public var data: ONNXTensorData
    public var docString: String

    public init(name: String, dataType: ONNXDataType, dims: [Int], data: ONNXTensorData, docString: String = "") {
        self.name = name
        self.dataType = dataType
        self.dims = dims
        self.data = data
        self.docString = docString
    }

    /// Number of elements, or nil when a dim is negative or the product overflows.
    public var elementCount: Int? {
        var count = 1
        for dim in dims {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Bytes the data takes in `raw_data` form, when the type has a fixed element size.
    public var rawByteCount: Int? {
        guard let count = elementCount, let size = dataType.byteSize else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
        return overflow ? nil : bytes
    }
}

/// Where a TensorProto keeps its values. Exactly one field is used per tensor.
public enum ONNXTensorData: Sendable, Equatable {
    /// `raw_data`: little-endian element bytes (any fixed-size type).
    case raw(Data)
    /// `float_data`: FLOAT, and COMPLEX64 as (real, imaginary) pairs.
    case floats([Float])
    /// `int32_data`: INT32, and INT16/INT8/UINT16/UINT8/BOOL/FLOAT16/BFLOAT16 widened (16-bit
    /// floats as their bit patterns).
    case int32s([Int32])
    /// `int64_data`: INT64.
    case int64s([Int64])
    /// `double_data`: DOUBLE, and COMPLEX128 as pairs.
    case doubles([Double])
    /// `uint64_data`: UINT64 and UINT32.
    case uint64s([UInt64])
    /// `string_data`: STRING, as bytes.
    case strings([Data])
    /// `data_location = EXTERNAL`: the bytes live in another file.
    case external(ONNXExternalData)

    /// The protobuf field name, for messages.
    public var fieldName: String {
        switch self {
        case .raw: return "raw_data"
        case .floats: return "float_data"
        case .int32s: return "int32_data"
        case .int64s: return "int64_data"
        case .doubles: return "double_data"
        case .uint64s: return "uint64_data"
        case .strings: return "string_data"
        case .external: return "external data"
        }
    }
}

/// The `external_data` entries of a tensor stored outside the model file.
public struct ONNXExternalData: Sendable, Equatable {
    /// File path relative to the model's folder.
    public var location: String
    /// Byte offset of the data in the file.
    public var offset: Int
    /// Byte length; nil means "to the end of the file".
    public var length: Int?
    /// Optional SHA-1 checksum as written by some exporters (not verified).
    public var checksum: String?

    public init(location: String, offset: Int = 0, length: Int? = nil, checksum: String? = nil) {
        self.location = location
        self.offset = offset
        self.length = length
        self.checksum = checksum
    }
}
