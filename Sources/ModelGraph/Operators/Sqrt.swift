import TensorCore

extension Ops {
    /// ONNX Sqrt: √x (NaN for negative x).
    public struct Sqrt: UnaryElementwiseOperator {
        public static let opType = "Sqrt"
        public static let versions = [1, 6, 13]
        public var function: UnaryOp { .sqrt }

        // Opset 1's `consumed_inputs` is a legacy memory hint with no effect on values.
        public init(node: Node, version: Int) throws {}
    }
}
