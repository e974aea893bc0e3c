import Foundation
import TensorCore

extension Ops {
    /// ONNX Adam (ai.onnx.preview.training): g' = norm_coefficient·x + g, v' = αv + (1−α)g',
    /// h' = βh + (1−β)g'², x' = (1 − norm_coefficient_post)·(x − r·√(1−βᵗ)/(1−αᵗ) · v'/(√h' + ε))
    /// (no bias correction at t = 0). Outputs every x', then every v', then every h'.
    public struct Adam: Operator {
        public static let opType = "Adam"
        public static let domain = TrainingOptimizer.domain
        public static let versions = [1]
        let alpha: Double
        let beta: Double
        let epsilon: Double
        let normCoefficient: Double
        let normCoefficientPost: Double

        public init(node: Node, version: Int) throws {
            alpha = try node.float("alpha", default: 0.9)
            beta = try node.float("beta", default: 0.999)
            epsilon = try node.float("epsilon", default: 0)
            normCoefficient = try node.float("norm_coefficient", default: 0)
            normCoefficientPost = try node.float("norm_coefficient_post", default: 0)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let (rate, step, groups) = try TrainingOptimizer.arguments(inputs, groups: 4, context: context)
            let adjusted = step > 0 ? rate * (1 - pow(beta, step)).squareRoot() / (1 - pow(alpha, step)) : rate
            var xs: [Tensor?] = [], vs: [Tensor?] = [], hs: [Tensor?] = []
            for i in groups[0].indices {
                let x = groups[0][i], g = groups[1][i], v = groups[2][i], h = groups[3][i]
                let regularized = try x.multiplying(normCoefficient).adding(g)
                let momentum = try v.multiplying(alpha).adding(regularized.multiplying(1 - alpha))
                let second = try h.multiplying(beta).adding(regularized.multiplying(regularized).multiplying(1 - beta))
                let update = try momentum.dividing(second.unary(.sqrt).adding(epsilon)).multiplying(adjusted)
                xs.append(try x.subtracting(update).multiplying(1 - normCoefficientPost))
                vs.append(momentum)
                hs.append(second)
            }
            return xs + vs + hs
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("optimizer update") }
    }
}
