import TensorCore

/// AdamW with PyTorch's `torch.optim.AdamW` update rule: decoupled weight decay
/// `p = p·(1 − η·λ)` before Adam's step on the plain gradient. Default λ is 0.01, as PyTorch's.
public final class AdamW: Optimizer {
    public typealias Configuration = Adam.Configuration

    public static let name = "adamw"
    public var learningRate: Double
    /// β₁; a one-cycle schedule cycles it as its momentum.
    public var beta1: Double
    public let configuration: Configuration
    public private(set) var state = OptimizerState(optimizer: AdamW.name)

    /// Defaults as PyTorch's AdamW (weight decay 0.01).
    public static var defaultConfiguration: Configuration { Configuration(weightDecay: 1e-2) }

    public init(_ configuration: Configuration = AdamW.defaultConfiguration) throws {
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
        try AdamUpdate(configuration, learningRate: learningRate, beta1: beta1, decoupled: true)
            .step(parameters, state: &state, owner: Self.self)
    }
}
