import TensorCore

extension Ops {
    /// ONNX BatchNormalization on (N, C, …) with per-channel scale, B, mean and var.
    ///
    /// Inference uses the running statistics. Batch statistics are used when the executor trains
    /// (then the updated running mean/variance are written back into the initializers behind
    /// inputs 3 and 4, with PyTorch's unbiased batch variance, since imported models are PyTorch
    /// models being fine-tuned) or when the node itself asks for training: `training_mode` = 1
    /// (opset 14+), or, before opset 14, the optional statistics outputs being named (the spec's
    /// "output case #1"; opset 6 also needs is_test = 0). Node-level training follows the ONNX
    /// reference: biased variance, nothing written back, running statistics returned as outputs
    /// 1 and 2 (and, before opset 14, the batch mean and variance as outputs 3 and 4).
    public struct BatchNormalization: Operator {
        public static let opType = "BatchNormalization"
        public static let versions = [6, 7, 9, 14, 15]
        let epsilon: Double
        let momentum: Double
        let nodeTraining: Bool
        let version: Int

        public init(node: Node, version: Int) throws {
            self.version = version
            epsilon = try node.float("epsilon", default: 1e-5)
            momentum = try node.float("momentum", default: 0.9)
            guard epsilon >= 0, epsilon.isFinite else { throw node.invalid("epsilon", "must be finite and ≥ 0, got \(epsilon)") }
            guard momentum >= 0, momentum <= 1 else { throw node.invalid("momentum", "must lie in [0, 1], got \(momentum)") }
            if version < 9, try node.int("spatial", default: 1) == 0 {
                throw node.invalid("spatial", "spatial = 0 (statistics per activation instead of per channel) is not supported; re-export with spatial = 1")
            }
            if version >= 14 {
                nodeTraining = try node.int("training_mode", default: 0) != 0
            } else {
                let isTest = version < 7 ? try node.int("is_test", default: 0) != 0 : false
                nodeTraining = !isTest && node.namedOutputCount > 1
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            let scale = try context.required(inputs, 1, "scale")
            let bias = try context.required(inputs, 2, "B")
            let mean = try context.required(inputs, 3, "mean")
            let variance = try context.required(inputs, 4, "var")
            guard context.training || nodeTraining else {
                return [try x.batchNormalization(scale: scale, bias: bias, mean: mean, variance: variance, epsilon: epsilon)]
            }
            let result = try x.batchNormalizationTraining(scale: scale, bias: bias, runningMean: mean.detached(), runningVariance: variance.detached(),
                                                          momentum: momentum, epsilon: epsilon, unbiasedRunningVariance: context.training)
            if context.training {
                let parameters = context.inputParameters
                if parameters.count > 3, let p = parameters[3] { p.value = result.runningMean }
                if parameters.count > 4, let p = parameters[4] { p.value = result.runningVariance }
            }
            var outputs: [Tensor?] = [result.output, result.runningMean, result.runningVariance]
            if version < 14 && (context.node.wantsOutput(3) || context.node.wantsOutput(4)) {
                // saved_mean and saved_var: the batch statistics (biased variance).
                let axes = [0] + Array(2..<x.rank)
                let batchMean = try noGrad { try x.mean(axes: axes) }
                let centered = try noGrad { try x.subtracting(batchMean.reshaped([1, x.shape[1]] + [Int](repeating: 1, count: x.rank - 2))) }
                let batchVariance = try noGrad { try centered.multiplying(centered).mean(axes: axes) }
                outputs += [batchMean, batchVariance]
            }
            return outputs
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            var description = ChannelDescription.perChannel(parameterInputs: [1, 2, 3, 4])
            for output in 1...4 {
                description.mappings.append(.passthrough(input: 0, inputAxis: 1, output: output, outputAxis: 0))
            }
            return description
        }
    }
}
