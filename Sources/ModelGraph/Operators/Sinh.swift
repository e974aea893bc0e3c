import TensorCore

extension Ops {
    /// ONNX Sinh (hyperbolic sine).
    public struct Sinh: UnaryElementwiseOperator {
        public static let opType = "Sinh"
        public static let versions = [9, 22]
        public var function: UnaryOp { .sinh }

        public init(node: Node, version: Int) throws {}
    }
}
