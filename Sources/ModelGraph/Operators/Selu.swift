import TensorCore

extension Ops {
    /// ONNX Selu: gamma·x for x > 0, gamma·alpha·(eˣ − 1) below (defaults: the self-normalising
    /// constants, as Float32 values).
    public struct Selu: Operator {
        public static let opType = "Selu"
        public static let versions = [1, 6, 22]
        let alpha: Double
        let gamma: Double

        public init(node: Node, version: Int) throws {
            alpha = try node.float("alpha", default: Double(Float(1.67326319217681884765625)))
            gamma = try node.float("gamma", default: Double(Float(1.05070102214813232421875)))
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            return [try ActivationMath.floating(x, context) { try ActivationMath.elu($0, alpha: alpha).multiplying(gamma) }]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
