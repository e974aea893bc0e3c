import TensorCore

extension Ops {
    /// ONNX Asinh (inverse hyperbolic sine).
    public struct Asinh: UnaryElementwiseOperator {
        public static let opType = "Asinh"
        public static let versions = [9, 22]
        public var function: UnaryOp { .asinh }

        public init(node: Node, version: Int) throws {}
    }
}
