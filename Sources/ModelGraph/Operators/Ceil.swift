import TensorCore

extension Ops {
    /// ONNX Ceil: round toward +∞ (zero gradient).
    public struct Ceil: UnaryElementwiseOperator {
        public static let opType = "Ceil"
        public static let versions = [1, 6, 13]
        public var function: UnaryOp { .ceil }

        // Opset 1's `consumed_inputs` is a legacy memory hint with no effect on values.
        public init(node: Node, version: Int) throws {}
    }
}
