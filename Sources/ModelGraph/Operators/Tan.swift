import TensorCore

extension Ops {
    /// ONNX Tan.
    public struct Tan: UnaryElementwiseOperator {
        public static let opType = "Tan"
        public static let versions = [7, 22]
        public var function: UnaryOp { .tan }

        public init(node: Node, version: Int) throws {}
    }
}
