import TensorCore

extension Ops {
    /// ONNX Asin (arcsine).
    public struct Asin: UnaryElementwiseOperator {
        public static let opType = "Asin"
        public static let versions = [7, 22]
        public var function: UnaryOp { .asin }

        public init(node: Node, version: Int) throws {}
    }
}
