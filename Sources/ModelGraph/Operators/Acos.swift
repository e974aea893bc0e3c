import TensorCore

extension Ops {
    /// ONNX Acos (arccosine).
    public struct Acos: UnaryElementwiseOperator {
        public static let opType = "Acos"
        public static let versions = [7, 22]
        public var function: UnaryOp { .acos }

        public init(node: Node, version: Int) throws {}
    }
}
