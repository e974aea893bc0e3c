import TensorCore

extension Ops {
    /// ONNX Abs: |x| (floating and integer types; unsigned values are returned unchanged).
    public struct Abs: UnaryElementwiseOperator {
        public static let opType = "Abs"
        public static let versions = [1, 6, 13]
        public var function: UnaryOp { .abs }

        // Opset 1's `consumed_inputs` is a legacy memory hint with no effect on values.
        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            if x.dtype == .uint8 { return [x] }
            return [try UnaryElementwise.apply(.abs, x)]
        }
    }
}
