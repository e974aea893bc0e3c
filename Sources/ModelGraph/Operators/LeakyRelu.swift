import TensorCore

extension Ops {
    /// ONNX LeakyRelu: x for x ≥ 0, alpha·x below (alpha defaults to 0.01).
    public struct LeakyRelu: UnaryElementwiseOperator {
        public static let opType = "LeakyRelu"
        public static let versions = [1, 6, 16]
        let alpha: Double
        public var function: UnaryOp { .leakyRelu(alpha: alpha) }

        public init(node: Node, version: Int) throws {
            // ONNX stores attributes as Float32: read 0.01 as the model's Float32 value.
            alpha = try node.float("alpha", default: Double(Float(0.01)))
        }
    }
}
