import TensorCore

extension Ops {
    /// ONNX Cosh (hyperbolic cosine).
    public struct Cosh: UnaryElementwiseOperator {
        public static let opType = "Cosh"
        public static let versions = [9, 22]
        public var function: UnaryOp { .cosh }

        public init(node: Node, version: Int) throws {}
    }
}
