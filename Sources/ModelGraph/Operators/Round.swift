import TensorCore

extension Ops {
    /// ONNX Round: to the nearest integer, halves to even (zero gradient).
    public struct Round: UnaryElementwiseOperator {
        public static let opType = "Round"
        public static let versions = [11, 22]
        public var function: UnaryOp { .round }

        public init(node: Node, version: Int) throws {}
    }
}
