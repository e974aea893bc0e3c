import TensorCore

extension Ops {
    /// ONNX Softplus: ln(1 + eˣ), computed without overflow.
    public struct Softplus: UnaryElementwiseOperator {
        public static let opType = "Softplus"
        public static let versions = [1, 22]
        public var function: UnaryOp { .softplus }

        public init(node: Node, version: Int) throws {}
    }
}
