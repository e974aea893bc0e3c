import TensorCore

extension Ops {
    /// ONNX ThresholdedRelu: x where x > alpha, else 0 (alpha 1 by default).
    public struct ThresholdedRelu: Operator {
        public static let opType = "ThresholdedRelu"
        public static let versions = [10, 22]
        let alpha: Double

        public init(node: Node, version: Int) throws {
            alpha = try node.float("alpha", default: 1)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            return [try ActivationMath.floating(x, context) { x in
                let keep = try x.compare(.greater, x.scalarLike(alpha))
                return try Tensor.where(keep, x, x.scalarLike(0))
            }]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
