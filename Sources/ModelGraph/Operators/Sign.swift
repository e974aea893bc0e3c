import TensorCore

extension Ops {
    /// ONNX Sign: −1, 0 or 1 (floating and signed integer types; unsigned values are 0 or 1).
    public struct Sign: UnaryElementwiseOperator {
        public static let opType = "Sign"
        public static let versions = [9, 13]
        public var function: UnaryOp { .sign }

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            if x.dtype == .uint8 { return [try x.compare(.greater, Tensor(zeros: [], dtype: .uint8)).cast(to: .uint8)] }
            return [try UnaryElementwise.apply(.sign, x)]
        }
    }
}
