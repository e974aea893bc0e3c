import TensorCore

extension Ops {
    /// ONNX Cos (sinusoidal timestep embeddings).
    public struct Cos: UnaryElementwiseOperator {
        public static let opType = "Cos"
        public static let versions = [7, 22]
        public var function: UnaryOp { .cos }

        public init(node: Node, version: Int) throws {}
    }
}
