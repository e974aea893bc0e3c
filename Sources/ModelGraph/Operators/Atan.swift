import TensorCore

extension Ops {
    /// ONNX Atan (arctangent).
    public struct Atan: UnaryElementwiseOperator {
        public static let opType = "Atan"
        public static let versions = [7, 22]
        public var function: UnaryOp { .atan }

        public init(node: Node, version: Int) throws {}
    }
}
