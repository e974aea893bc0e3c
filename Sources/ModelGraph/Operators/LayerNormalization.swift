import TensorCore

extension Ops {
    /// ONNX LayerNormalization (opset 17): normalises over the axes `axis…` (default −1), scales
    /// by Scale and shifts by the optional B (both broadcast to the normalised shape). The optional
    /// Mean and InvStdDev outputs have the input's shape with the normalised axes set to 1.
    public struct LayerNormalization: Operator {
        public static let opType = "LayerNormalization"
        public static let versions = [17]
        let axis: Int
        let epsilon: Double

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis", default: -1)
            epsilon = try node.float("epsilon", default: 1e-5)
            guard epsilon >= 0, epsilon.isFinite else { throw node.invalid("epsilon", "must be finite and ≥ 0, got \(epsilon)") }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            let scale = try context.required(inputs, 1, "Scale")
            let bias = inputs.count > 2 ? inputs[2] : nil
            guard axis >= -x.rank, axis < x.rank else {
                throw context.invalid("axis", "\(axis) is out of range for an input of rank \(x.rank) (shape \(x.shape))")
            }
            let y = try x.layerNormalization(axis: axis, scale: scale, bias: bias, epsilon: epsilon)
            guard context.node.wantsOutput(1) || context.node.wantsOutput(2) else { return [y] }
            // The statistics outputs are informational (the kernel keeps its own); no gradient.
            let first = axis < 0 ? axis + x.rank : axis
            let axes = Array(first..<x.rank)
            return try noGrad {
                let mean = try x.mean(axes: axes, keepDims: true)
                let centered = try x.subtracting(mean)
                let variance = try centered.multiplying(centered).mean(axes: axes, keepDims: true)
                let inverse = try variance.adding(epsilon).sqrt().unary(.reciprocal)
                return [y, mean, inverse]
            }
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            // Removing one entry of a normalised axis changes the statistics of the others.
            guard let rank = inputRanks.first ?? nil else {
                return .opaque("LayerNormalization couples every entry of its normalised axes; the input rank is unknown")
            }
            let first = axis < 0 ? axis + rank : axis
            let mappings = (0..<max(0, first)).map { ChannelDescription.Mapping.passthrough(input: 0, inputAxis: $0, output: 0, outputAxis: $0) }
            if first <= 1 {
                return .opaque("LayerNormalization normalises over the channel axis (axis \(axis)), so removing a channel changes the others")
            }
            return ChannelDescription(mappings: mappings)
        }
    }
}
