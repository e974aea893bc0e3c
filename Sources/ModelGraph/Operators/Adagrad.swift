import TensorCore

extension Ops {
    /// ONNX Adagrad (ai.onnx.preview.training): g' = norm_coefficient·x + g, h' = h + g'²,
    /// x' = x − r/(1 + t·decay_factor) · g' / (√h' + epsilon). Outputs every x' then every h'.
    public struct Adagrad: Operator {
        public static let opType = "Adagrad"
        public static let domain = TrainingOptimizer.domain
        public static let versions = [1]
        let decayFactor: Double
        let epsilon: Double
        let normCoefficient: Double

        public init(node: Node, version: Int) throws {
            decayFactor = try node.float("decay_factor", default: 0)
            epsilon = try node.float("epsilon", default: 0)
            normCoefficient = try node.float("norm_coefficient", default: 0)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let (rate, step, groups) = try TrainingOptimizer.arguments(inputs, groups: 3, context: context)
            let scaledRate = rate / (1 + step * decayFactor)
            var xs: [Tensor?] = [], hs: [Tensor?] = []
            for i in groups[0].indices {
                let x = groups[0][i], g = groups[1][i], h = groups[2][i]
                let regularized = try x.multiplying(normCoefficient).adding(g)
                let accumulated = try h.adding(regularized.multiplying(regularized))
                let denominator = try accumulated.unary(.sqrt).adding(epsilon)
                xs.append(try x.subtracting(regularized.dividing(denominator).multiplying(scaledRate)))
                hs.append(accumulated)
            }
            return xs + hs
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("optimizer update") }
    }
}
