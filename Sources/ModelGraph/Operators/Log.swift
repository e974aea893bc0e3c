import TensorCore

extension Ops {
    /// ONNX Log: natural logarithm.
    public struct Log: UnaryElementwiseOperator {
        public static let opType = "Log"
        public static let versions = [1, 6, 13]
        public var function: UnaryOp { .log }

        // Opset 1's `consumed_inputs` is a legacy memory hint with no effect on values.
        public init(node: Node, version: Int) throws {}
    }
}
