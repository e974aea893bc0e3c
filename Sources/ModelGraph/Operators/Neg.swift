import TensorCore

extension Ops {
    /// ONNX Neg: −x (floating and signed integer types).
    public struct Neg: UnaryElementwiseOperator {
        public static let opType = "Neg"
        public static let versions = [1, 6, 13]
        public var function: UnaryOp { .negate }

        // Opset 1's `consumed_inputs` is a legacy memory hint with no effect on values.
        public init(node: Node, version: Int) throws {}
    }
}
