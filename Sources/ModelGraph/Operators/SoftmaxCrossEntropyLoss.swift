import TensorCore

extension Ops {
    /// ONNX SoftmaxCrossEntropyLoss: scores (N, C, d…), labels (N, d…), optional weight (C);
    /// the NegativeLogLikelihoodLoss of LogSoftmax(scores) over axis 1 with the same `reduction`
    /// and `ignore_index`, and optionally those log-probabilities as a second output.
    public struct SoftmaxCrossEntropyLoss: Operator {
        public static let opType = "SoftmaxCrossEntropyLoss"
        public static let versions = [12, 13]
        let settings: LossSettings

        public init(node: Node, version: Int) throws {
            settings = try LossSettings(node: node)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let scores = try context.required(inputs, 0, "scores")
            let labels = try context.required(inputs, 1, "labels")
            let weight = inputs.count > 2 ? inputs[2] : nil
            guard scores.dtype.isFloatingPoint, scores.rank >= 2 else {
                throw context.invalid("scores", "must be floating point of shape (N, C, d…), got \(scores.dtype) \(scores.shape)")
            }
            let compute = scores.dtype == .float16 ? try scores.cast(to: .float32) : scores
            let logProbabilities = try compute.logSoftmax(axis: 1)
            let loss = try Ops.NegativeLogLikelihoodLoss.loss(logProbabilities, target: labels, weight: weight?.cast(to: compute.dtype),
                                                              settings: settings, context: context)
            if scores.dtype == .float16 { return [try loss.cast(to: .float16), try logProbabilities.cast(to: .float16)] }
            return [loss, logProbabilities]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("a loss reduces over classes")
        }
    }
}
