import TensorCore

extension Ops {
    /// ONNX Acosh (inverse hyperbolic cosine).
    public struct Acosh: UnaryElementwiseOperator {
        public static let opType = "Acosh"
        public static let versions = [9, 22]
        public var function: UnaryOp { .acosh }

        public init(node: Node, version: Int) throws {}
    }
}
