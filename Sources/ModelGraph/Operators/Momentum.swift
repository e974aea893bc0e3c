import TensorCore

extension Ops {
    /// ONNX Momentum (ai.onnx.preview.training): g' = norm_coefficient·x + g,
    /// v' = αv + β'g' (β' = β, or 1 at t = 0), x' = x − r·v' ("standard") or
    /// x − r·(g' + αv') ("nesterov"). Outputs every x', then every v'.
    public struct Momentum: Operator {
        public static let opType = "Momentum"
        public static let domain = TrainingOptimizer.domain
        public static let versions = [1]
        let alpha: Double
        let beta: Double
        let nesterov: Bool
        let normCoefficient: Double

        public init(node: Node, version: Int) throws {
            guard let alpha = try node.float("alpha"), let beta = try node.float("beta"),
                  let normCoefficient = try node.float("norm_coefficient") else {
                throw node.invalid("alpha/beta/norm_coefficient", "Momentum needs all three attributes")
            }
            self.alpha = alpha
            self.beta = beta
            self.normCoefficient = normCoefficient
            let mode = try node.string("mode", default: "standard")
            guard mode == "standard" || mode == "nesterov" else { throw node.invalid("mode", "must be standard or nesterov, got '\(mode)'") }
            nesterov = mode == "nesterov"
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let (rate, step, groups) = try TrainingOptimizer.arguments(inputs, groups: 3, context: context)
            let gradientScale = step > 0 ? beta : 1
            var xs: [Tensor?] = [], vs: [Tensor?] = []
            for i in groups[0].indices {
                let x = groups[0][i], g = groups[1][i], v = groups[2][i]
                let regularized = try x.multiplying(normCoefficient).adding(g)
                let velocity = try v.multiplying(alpha).adding(regularized.multiplying(gradientScale))
                let direction = nesterov ? try regularized.adding(velocity.multiplying(alpha)) : velocity
                xs.append(try x.subtracting(direction.multiplying(rate)))
                vs.append(velocity)
            }
            return xs + vs
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("optimizer update") }
    }
}
