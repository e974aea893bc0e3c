import TensorCore

extension Ops {
    /// ONNX Cast to the element type in `to` (a TensorProto data type number; opset 1 names it
    /// as a string). Floating to integer truncates toward zero; integer to narrower integer wraps
    /// (two's complement, as the spec says); to Bool is `value != 0`. The gradient flows between
    /// floating types.
    public struct Cast: Operator {
        public static let opType = "Cast"
        public static let versions = [1, 6, 9, 13, 19, 21, 23, 24, 25, 28]
        let target: DType

        public init(node: Node, version: Int) throws {
            // `saturate` and `round_mode` (19+, 24+) only concern float8 targets, which are refused.
            if version < 6 {
                guard let name = try node.string("to") else {
                    throw ModelGraphError.invalidAttribute(node: node.label, attribute: "to", detail: "the required attribute is missing")
                }
                guard let code = Cast.elementTypeNames[name.uppercased()] else {
                    throw ModelGraphError.invalidAttribute(node: node.label, attribute: "to", detail: "unknown type name '\(name)'")
                }
                target = try Cast.dtype(forElementType: code, node: node, attribute: "to")
            } else {
                guard let code = try node.int("to") else {
                    throw ModelGraphError.invalidAttribute(node: node.label, attribute: "to", detail: "the required attribute is missing")
                }
                target = try Cast.dtype(forElementType: code, node: node, attribute: "to")
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            [try Cast.convert(context.required(inputs, 0, "input"), to: target)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }

        /// ONNX TensorProto.DataType names (opset-1 Cast spells the type as a string).
        static let elementTypeNames: [String: Int] = [
            "FLOAT": 1, "UINT8": 2, "INT8": 3, "UINT16": 4, "INT16": 5, "INT32": 6, "INT64": 7, "STRING": 8,
            "BOOL": 9, "FLOAT16": 10, "DOUBLE": 11, "UINT32": 12, "UINT64": 13, "COMPLEX64": 14,
            "COMPLEX128": 15, "BFLOAT16": 16,
        ]

        /// The dtype of an ONNX TensorProto element type number, or nil for types Winnow does
        /// not hold (string, 16-bit integers, unsigned 32/64-bit, complex, bfloat16, float8, 4-bit).
        public static func dtype(forElementType code: Int) -> DType? {
            switch code {
            case 1: return .float32
            case 2: return .uint8
            case 3: return .int8
            case 6: return .int32
            case 7: return .int64
            case 9: return .bool
            case 10: return .float16
            case 11: return .float64
            default: return nil
            }
        }

        static func dtype(forElementType code: Int, node: Node, attribute: String) throws -> DType {
            guard let dtype = dtype(forElementType: code) else {
                let name = elementTypeNames.first { $0.value == code }?.key ?? "element type \(code)"
                throw ModelGraphError.invalidAttribute(
                    node: node.label, attribute: attribute,
                    detail: "\(name) is not supported; Winnow holds FLOAT(1), UINT8(2), INT8(3), INT32(6), INT64(7), BOOL(9), FLOAT16(10) and DOUBLE(11)")
            }
            return dtype
        }

        /// `x` converted to `target` with ONNX's rules (wrapping between integer types).
        static func convert(_ x: Tensor, to target: DType) throws -> Tensor {
            let integers: Set<DType> = [.int64, .int32, .int8, .uint8]
            guard integers.contains(x.dtype), integers.contains(target), x.dtype != target else {
                return try x.cast(to: target)
            }
            func wrap<S: FixedWidthInteger & TensorElement, D: FixedWidthInteger & TensorElement>(_: S.Type, _: D.Type) throws -> Tensor {
                try Tensor(shape: x.shape, scalars: x.scalars(S.self).map { D(truncatingIfNeeded: $0) })
            }
            func from<S: FixedWidthInteger & TensorElement>(_: S.Type) throws -> Tensor {
                switch target {
                case .int64: return try wrap(S.self, Int64.self)
                case .int32: return try wrap(S.self, Int32.self)
                case .int8: return try wrap(S.self, Int8.self)
                default: return try wrap(S.self, UInt8.self)
                }
            }
            switch x.dtype {
            case .int64: return try from(Int64.self)
            case .int32: return try from(Int32.self)
            case .int8: return try from(Int8.self)
            default: return try from(UInt8.self)
            }
        }
    }
}
