import TensorCore

extension Ops {
    /// ONNX Exp: eˣ.
    public struct Exp: UnaryElementwiseOperator {
        public static let opType = "Exp"
        public static let versions = [1, 6, 13]
        public var function: UnaryOp { .exp }

        // Opset 1's `consumed_inputs` is a legacy memory hint with no effect on values.
        public init(node: Node, version: Int) throws {}
    }
}
