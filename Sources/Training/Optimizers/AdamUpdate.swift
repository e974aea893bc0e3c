import Foundation
import TensorCore

/// What Adam and AdamW share: per-parameter state keyed by name (moments `exp_avg` and
/// `exp_avg_sq`, step count), bias corrections and the update. `decoupled` picks AdamW's
/// `p = p·(1 − η·λ)` over Adam's `g = g + λ·p`.
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

    init(_ c: Adam.Configuration, learningRate: Double, beta1: Double, decoupled: Bool) {
        self.learningRate = learningRate
        self.beta1 = beta1
        beta2 = c.beta2
        epsilon = c.epsilon
        weightDecay = c.weightDecay
        self.decoupled = decoupled
    }

    /// One step over `parameters`: each one's moments and step count live in `state` under its
    /// name (fresh zeros on its first step).
    func step<O: Optimizer>(_ parameters: [Parameter], state: inout OptimizerState, owner: O.Type) throws {
        try O.forEachUpdatable(parameters) { parameter, grad in
            var entry = state.entries[parameter.name] ?? OptimizerState.Entry()
            try apply(to: parameter, grad: grad, entry: &entry, owner: O.self)
            state.entries[parameter.name] = entry
        }
    }

    private func apply<O: Optimizer>(to parameter: Parameter, grad: Tensor, entry: inout OptimizerState.Entry, owner: O.Type) throws {
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
