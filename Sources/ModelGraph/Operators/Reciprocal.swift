import TensorCore

extension Ops {
    /// ONNX Reciprocal: 1/x.
    public struct Reciprocal: UnaryElementwiseOperator {
        public static let opType = "Reciprocal"
        public static let versions = [1, 6, 13]
        public var function: UnaryOp { .reciprocal }

        // Opset 1's `consumed_inputs` is a legacy memory hint with no effect on values.
        public init(node: Node, version: Int) throws {}
    }
}
