import TensorCore

extension Ops {
    /// ONNX GroupNormalization on (N, C, …): the channels form num_groups consecutive groups,
    /// each (n, group) normalised over its channels and spatial axes, then scaled and shifted.
    /// Opset 18 has one scale/bias per group (expanded here to its channels); opset 21 one per
    /// channel.
    public struct GroupNormalization: Operator {
        public static let opType = "GroupNormalization"
        public static let versions = [18, 21]
        let groups: Int
        let epsilon: Double
        let version: Int

        public init(node: Node, version: Int) throws {
            self.version = version
            guard let groups = try node.int("num_groups") else { throw node.invalid("num_groups", "is required") }
            guard groups > 0 else { throw node.invalid("num_groups", "must be positive, got \(groups)") }
            self.groups = groups
            epsilon = try node.float("epsilon", default: 1e-5)
            guard epsilon >= 0, epsilon.isFinite else { throw node.invalid("epsilon", "must be finite and ≥ 0, got \(epsilon)") }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            var scale = try context.required(inputs, 1, "scale")
            var bias = try context.required(inputs, 2, "bias")
            guard x.rank >= 2, x.shape[1] % groups == 0 else {
                throw context.invalid("num_groups", "\(groups) must divide the channel count of input \(x.shape)")
            }
            if version < 21 {
                let channels = x.shape[1]
                guard scale.shape == [groups], bias.shape == [groups] else {
                    throw context.invalid("scale", "opset-18 scale and bias hold one value per group: shape [\(groups)], got \(scale.shape) and \(bias.shape)")
                }
                let perGroup = [groups, channels / groups]
                scale = try scale.reshaped([groups, 1]).expanded(to: perGroup).reshaped([channels])
                bias = try bias.reshaped([groups, 1]).expanded(to: perGroup).reshaped([channels])
            }
            return [try x.groupNormalization(groups: groups, scale: scale, bias: bias, epsilon: epsilon)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            guard version >= 21 else {
                return .opaque("opset-18 GroupNormalization keeps one scale per group, not per channel")
            }
            // Channels leave in whole groups; num_groups shrinks with them.
            var description = ChannelDescription.perChannel(parameterInputs: [1, 2])
            description.rewrites = ["num_groups"]
            return description
        }
    }
}
