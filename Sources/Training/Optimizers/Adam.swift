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
        try AdamUpdate(configuration, learningRate: learningRate, beta1: beta1, decoupled: false)
            .step(parameters, state: &state, owner: Self.self)
    }
}
