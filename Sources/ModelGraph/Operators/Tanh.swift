import TensorCore

extension Ops {
    /// ONNX Tanh.
    public struct Tanh: UnaryElementwiseOperator {
        public static let opType = "Tanh"
        public static let versions = [1, 6, 13]
        public var function: UnaryOp { .tanh }

        // Opset 1's `consumed_inputs` is a legacy memory hint with no effect on values.
        public init(node: Node, version: Int) throws {}
    }
}
