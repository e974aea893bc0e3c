import TensorCore

extension Ops {
    /// ONNX HardSigmoid: max(0, min(1, alpha·x + beta)), alpha 0.2 and beta 0.5 by default.
    public struct HardSigmoid: UnaryElementwiseOperator {
        public static let opType = "HardSigmoid"
        public static let versions = [1, 6, 22]
        let alpha: Double
        let beta: Double
        public var function: UnaryOp { .hardSigmoid(alpha: alpha, beta: beta) }

        public init(node: Node, version: Int) throws {
            alpha = try node.float("alpha", default: Double(Float(0.2)))
            beta = try node.float("beta", default: 0.5)
        }
    }
}
