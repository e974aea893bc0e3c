import TensorCore

extension Ops {
    /// ONNX Elu: x for x > 0, alpha·(eˣ − 1) below (alpha 1 by default).
    public struct Elu: Operator {
        public static let opType = "Elu"
        public static let versions = [1, 6, 22]
        let alpha: Double

        public init(node: Node, version: Int) throws {
            alpha = try node.float("alpha", default: 1)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            return [try ActivationMath.floating(x, context) { try ActivationMath.elu($0, alpha: alpha) }]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
