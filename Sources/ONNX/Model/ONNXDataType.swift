import TensorCore

/// An ONNX `TensorProto.DataType` value, including values newer than any known name.
public struct ONNXDataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let undefined = ONNXDataType(rawValue: 0)
    public static let float = ONNXDataType(rawValue: 1)
    public static let uint8 = ONNXDataType(rawValue: 2)
    public static let int8 = ONNXDataType(rawValue: 3)
    public static let uint16 = ONNXDataType(rawValue: 4)
    public static let int16 = ONNXDataType(rawValue: 5)
    public static let int32 = ONNXDataType(rawValue: 6)
    public static let int64 = ONNXDataType(rawValue: 7)
    public static let string = ONNXDataType(rawValue: 8)
    public static let bool = ONNXDataType(rawValue: 9)
    public static let float16 = ONNXDataType(rawValue: 10)
    public static let double = ONNXDataType(rawValue: 11)
    public static let uint32 = ONNXDataType(rawValue: 12)
    public static let uint64 = ONNXDataType(rawValue: 13)
    public static let complex64 = ONNXDataType(rawValue: 14)
    public static let complex128 = ONNXDataType(rawValue: 15)
    public static let bfloat16 = ONNXDataType(rawValue: 16)

    private static let names: [Int32: String] = [
        0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32",
        7: "INT64", 8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64",
        14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16", 17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ",
        19: "FLOAT8E5M2", 20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4", 23: "FLOAT4E2M1",
        24: "FLOAT8E8M0", 25: "UINT2", 26: "INT2", 27: "FLOAT6E2M3", 28: "FLOAT6E3M2",
    ]

    /// The ONNX name (`FLOAT`, `INT64`...), or `DataType(<n>)` for a value this code does not know.
    public var name: String { Self.names[rawValue] ?? "DataType(\(rawValue))" }

    public var description: String { name }

    /// Bytes per element in `raw_data`; nil for strings, packed sub-byte types and unknown values.
    public var byteSize: Int? {
        switch rawValue {
        case 2, 3, 9, 17, 18, 19, 20, 24: return 1
        case 4, 5, 10, 16: return 2
        case 1, 6, 12: return 4
        case 7, 11, 13, 14: return 8
        case 15: return 16
        default: return nil
        }
    }

    /// The TensorCore dtype that holds this type, or nil when TensorCore has none.
    public var dtype: DType? {
        switch self {
        case .float: return .float32
        case .double: return .float64
        case .float16: return .float16
        case .int64: return .int64
        case .int32: return .int32
        case .int8: return .int8
        case .uint8: return .uint8
        case .bool: return .bool
        default: return nil
        }
    }

    /// The ONNX type of a TensorCore dtype.
    public init(_ dtype: DType) {
        switch dtype {
        case .float32: self = .float
        case .float64: self = .double
        case .float16: self = .float16
        case .int64: self = .int64
        case .int32: self = .int32
        case .int8: self = .int8
        case .uint8: self = .uint8
        case .bool: self = .bool
        }
    }
}
