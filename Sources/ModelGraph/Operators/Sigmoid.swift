import TensorCore

extension Ops {
    /// ONNX Sigmoid: 1/(1 + e⁻ˣ).
    public struct Sigmoid: UnaryElementwiseOperator {
        public static let opType = "Sigmoid"
        public static let versions = [1, 6, 13]
        public var function: UnaryOp { .sigmoid }

        // Opset 1's `consumed_inputs` is a legacy memory hint with no effect on values.
        public init(node: Node, version: Int) throws {}
    }
}
