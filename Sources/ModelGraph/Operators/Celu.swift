import TensorCore

extension Ops {
    /// ONNX Celu: max(0, x) + min(0, alpha·(exp(x/alpha) − 1)).
    public struct Celu: Operator {
        public static let opType = "Celu"
        public static let versions = [12]
        let alpha: Double

        public init(node: Node, version: Int) throws {
            alpha = try node.float("alpha", default: 1)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            return [try ActivationMath.floating(x, context) { try ActivationMath.elu($0, alpha: alpha, scale: alpha) }]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
