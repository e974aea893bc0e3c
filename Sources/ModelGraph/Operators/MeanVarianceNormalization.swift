import TensorCore

extension Ops {
    /// ONNX MeanVarianceNormalization: (x − mean) / √(variance + 1e-9) over `axes` (default
    /// [0, 2, 3]), mean and (biased) variance taken over those axes. Composed, so gradients flow.
    public struct MeanVarianceNormalization: Operator {
        public static let opType = "MeanVarianceNormalization"
        public static let versions = [9, 13]
        let axes: [Int]

        public init(node: Node, version: Int) throws {
            axes = try node.ints("axes") ?? [0, 2, 3]
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let input = try context.required(inputs, 0, "X")
            return [try ActivationMath.floating(input, context) { x in
                let mean = try x.reduce(.mean, axes: axes, keepDims: true)
                let centered = try x.subtracting(mean)
                let variance = try centered.multiplying(centered).reduce(.mean, axes: axes, keepDims: true)
                return try centered.dividing(variance.adding(1e-9).unary(.sqrt))
            }]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            axes.contains(1) ? .opaque("MeanVarianceNormalization normalises across channels")
                             : ChannelDescription(mappings: [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1)])
        }
    }
}
