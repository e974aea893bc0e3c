import TensorCore

extension Ops {
    /// ONNX Sin (sinusoidal timestep embeddings).
    public struct Sin: UnaryElementwiseOperator {
        public static let opType = "Sin"
        public static let versions = [7, 22]
        public var function: UnaryOp { .sin }

        public init(node: Node, version: Int) throws {}
    }
}
