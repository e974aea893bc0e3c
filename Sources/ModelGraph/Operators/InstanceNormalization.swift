import TensorCore

extension Ops {
    /// ONNX InstanceNormalization: each (n, c) plane of (N, C, …) normalised over its spatial
    /// axes, then scaled and shifted per channel.
    public struct InstanceNormalization: Operator {
        public static let opType = "InstanceNormalization"
        public static let versions = [1, 6, 22]
        let epsilon: Double

        public init(node: Node, version: Int) throws {
            epsilon = try node.float("epsilon", default: 1e-5)
            guard epsilon >= 0, epsilon.isFinite else { throw node.invalid("epsilon", "must be finite and ≥ 0, got \(epsilon)") }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            let scale = try context.required(inputs, 1, "scale")
            let bias = try context.required(inputs, 2, "B")
            return [try x.instanceNormalization(scale: scale, bias: bias, epsilon: epsilon)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .perChannel(parameterInputs: [1, 2])
        }
    }
}
