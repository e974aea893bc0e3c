import TensorCore

extension Ops {
    /// ONNX Pow: X^Y with NumPy broadcasting (opset 1's `broadcast`/`axis` form too). From
    /// opset 12 the exponent may have another type than the base; the result has the base's type.
    public struct Pow: Operator {
        public static let opType = "Pow"
        public static let versions = [1, 7, 12, 13, 15]
        let legacy: LegacyBroadcast

        public init(node: Node, version: Int) throws {
            legacy = try LegacyBroadcast(node: node, active: version < 7)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            let y = try legacy.align(x, context.required(inputs, 1, "Y"), context: context)
            switch x.dtype {
            case .float32, .float64:
                return [try x.binary(.power, y.cast(to: x.dtype))]
            case .float16:
                return [try x.cast(to: .float32).binary(.power, y.cast(to: .float32)).cast(to: .float16)]
            case .bool:
                throw TensorError.unsupportedDType(op: "Pow", dtype: x.dtype)
            default:
                if y.dtype.isFloatingPoint {
                    // An integer base with a fractional exponent: computed in Float64, then
                    // truncated to the base's type (NumPy's `(x ** y).astype(x.dtype)`).
                    return [try x.cast(to: .float64).binary(.power, y.cast(to: .float64)).cast(to: x.dtype)]
                }
                return [try x.binary(.power, y.cast(to: x.dtype))]
            }
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
