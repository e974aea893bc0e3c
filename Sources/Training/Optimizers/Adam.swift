import Foundation
import TensorCore

/// Adam with PyTorch's `torch.optim.Adam` update rule (L2 weight decay added to the gradient):
/// `g = g + λ·p`; `m = m + (1 − β₁)(g − m)`; `v = β₂·v + (1 − β₂)·g²`;
/// `p = p − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)`.
public final class Adam: Optimizer {
    /// Hyperparameters; defaults as PyTorch's.
    public struct Configuration: Codable, Equatable, Sendable {
        public var learningRate: Double = 1e-3
        public var beta1: Double = 0.9
        public var beta2: Double = 0.999
        public var epsilon: Double = 1e-8
        public var weightDecay: Double = 0

        public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                    epsilon: Double = 1e-8, weightDecay: Double = 0) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }
    }

    public static let name = "adam"
    public var learningRate: Double
    /// β₁; a one-cycle schedule cycles it as its momentum.
    public var beta1: Double
    public let configuration: Configuration
    public private(set) var state = OptimizerState(optimizer: Adam.name)

    public init(_ configuration: Configuration = Configuration()) throws {
        try AdamUpdate.validate(configuration, owner: Self.name)
        self.configuration = configuration
        learningRate = configuration.learningRate
        beta1 = configuration.beta1
    }

    public func restore(_ state: OptimizerState) throws {
        try Self.checkKind(state)
        self.state = state
    }

    public func apply(_ value: ScheduleValue) {
        learningRate = value.learningRate
        if let m = value.momentum { beta1 = m }
    }

    public func step(_ parameters: [Parameter]) throws {
        let rule = AdamUpdate(learningRate: learningRate, beta1: beta1, beta2: configuration.beta2,
                              epsilon: configuration.epsilon, weightDecay: configuration.weightDecay, decoupled: false)
        try Self.forEachUpdatable(parameters) { parameter, grad in
            var entry = state.entries[parameter.name] ?? OptimizerState.Entry()
            try rule.apply(to: parameter, grad: grad, entry: &entry, owner: Self.self)
            state.entries[parameter.name] = entry
        }
    }
}

/// The arithmetic Adam and AdamW share; `decoupled` picks AdamW's `p = p·(1 − η·λ)` over
/// Adam's `g = g + λ·p`.
struct AdamUpdate {
    let learningRate: Double
    let beta1: Double
    let beta2: Double
    let epsilon: Double
    let weightDecay: Double
    let decoupled: Bool

    static func validate(_ c: Adam.Configuration, owner: String) throws {
        try requireHyperparameter(c.learningRate, 0...Double.greatestFiniteMagnitude, owner: owner, name: "learningRate")
        try requireHyperparameter(c.beta1, 0...(1.0.nextDown), owner: owner, name: "beta1")
        try requireHyperparameter(c.beta2, 0...(1.0.nextDown), owner: owner, name: "beta2")
        try requireHyperparameter(c.epsilon, 0...Double.greatestFiniteMagnitude, owner: owner, name: "epsilon")
        try requireHyperparameter(c.weightDecay, 0...Double.greatestFiniteMagnitude, owner: owner, name: "weightDecay")
    }

    func apply<O: Optimizer>(to parameter: Parameter, grad: Tensor, entry: inout OptimizerState.Entry, owner: O.Type) throws {
        entry.steps += 1
        var (m, _) = try O.takeBuffer("exp_avg", from: &entry, for: parameter)
        var (v, _) = try O.takeBuffer("exp_avg_sq", from: &entry, for: parameter)
        if parameter.value.dtype == .float32 {
            update(Float.self, parameter, grad, &m, &v, step: entry.steps)
        } else {
            update(Double.self, parameter, grad, &m, &v, step: entry.steps)
        }
        entry.buffers["exp_avg"] = m
        entry.buffers["exp_avg_sq"] = v
    }

    private func update<T: FloatElement>(_: T.Type, _ parameter: Parameter, _ grad: Tensor,
                                         _ m: inout Tensor, _ v: inout Tensor, step: Int) {
        // Scalars in Double, as PyTorch computes them in Python floats.
        let t = Double(step)
        let stepSize = T(learningRate / (1 - Foundation.pow(beta1, t)))
        let correction2 = T((1 - Foundation.pow(beta2, t)).squareRoot())
        let shrink = T(1 - learningRate * weightDecay)
        let lambda = T(weightDecay), b2 = T(beta2), eps = T(epsilon)
        let w = T(1 - beta1), w2 = T(1 - beta2)
        let decoupled = self.decoupled
        grad.withElements(T.self) { g in
            m.withMutableElements(T.self) { m in
                v.withMutableElements(T.self) { v in
                    parameter.value.withMutableElements(T.self) { p in
                        for i in 0..<p.count {
                            var gi = g[i]
                            if decoupled { p[i] *= shrink } else if lambda != 0 { gi += lambda * p[i] }
                            // torch.lerp's two-sided form: exact at both ends of the weight.
                            m[i] = w < 0.5 ? m[i] + w * (gi - m[i]) : gi - (gi - m[i]) * (1 - w)
                            v[i] = v[i] * b2 + w2 * (gi * gi)
                            let denominator = v[i].squareRoot() / correction2 + eps
                            p[i] -= stepSize * (m[i] / denominator)
                        }
                    }
                }
            }
        }
    }
}
