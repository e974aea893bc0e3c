import TensorCore

extension Ops {
    /// ONNX Atanh (inverse hyperbolic tangent).
    public struct Atanh: UnaryElementwiseOperator {
        public static let opType = "Atanh"
        public static let versions = [9, 22]
        public var function: UnaryOp { .atanh }

        public init(node: Node, version: Int) throws {}
    }
}
