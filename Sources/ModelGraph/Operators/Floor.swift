import TensorCore

extension Ops {
    /// ONNX Floor: round toward −∞ (zero gradient).
    public struct Floor: UnaryElementwiseOperator {
        public static let opType = "Floor"
        public static let versions = [1, 6, 13]
        public var function: UnaryOp { .floor }

        // Opset 1's `consumed_inputs` is a legacy memory hint with no effect on values.
        public init(node: Node, version: Int) throws {}
    }
}
