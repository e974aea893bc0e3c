import TensorCore

extension Ops {
    /// ONNX Erf: the Gauss error function (GELU exports use it).
    public struct Erf: UnaryElementwiseOperator {
        public static let opType = "Erf"
        public static let versions = [9, 13]
        public var function: UnaryOp { .erf }

        public init(node: Node, version: Int) throws {}
    }
}
