import TensorCore

/// Stochastic gradient descent with PyTorch's `torch.optim.SGD` update rule:
/// `d = g + λ·p`; `b = d` on the first step, then `b = μ·b + (1 − τ)·d`;
/// `d = d + μ·b` (Nesterov) or `d = b`; `p = p − η·d`.
public final class SGD: Optimizer {
    /// Hyperparameters; defaults as PyTorch's.
    public struct Configuration: Codable, Equatable, Sendable {
        public var learningRate: Double = 1e-3
        public var momentum: Double = 0
        public var dampening: Double = 0
        public var nesterov: Bool = false
        public var weightDecay: Double = 0

        public init(learningRate: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                    nesterov: Bool = false, weightDecay: Double = 0) {
            self.learningRate = learningRate
            self.momentum = momentum
            self.dampening = dampening
            self.nesterov = nesterov
            self.weightDecay = weightDecay
        }
    }

    public static let name = "sgd"
    public var learningRate: Double
    /// μ; a one-cycle schedule changes it every step.
    public var momentum: Double
    public let configuration: Configuration
    public private(set) var state = OptimizerState(optimizer: SGD.name)

    public init(_ configuration: Configuration = Configuration()) throws {
        try requireHyperparameter(configuration.learningRate, 0...Double.greatestFiniteMagnitude, owner: "sgd", name: "learningRate")
        try requireHyperparameter(configuration.momentum, 0...1, owner: "sgd", name: "momentum")
        try requireHyperparameter(configuration.dampening, 0...1, owner: "sgd", name: "dampening")
        try requireHyperparameter(configuration.weightDecay, 0...Double.greatestFiniteMagnitude, owner: "sgd", name: "weightDecay")
        if configuration.nesterov && (configuration.momentum <= 0 || configuration.dampening != 0) {
            throw TrainingError.invalidHyperparameter(owner: "sgd", name: "nesterov", detail: "needs momentum > 0 and dampening 0 (got momentum \(configuration.momentum), dampening \(configuration.dampening))")
        }
        self.configuration = configuration
        learningRate = configuration.learningRate
        momentum = configuration.momentum
    }

    public func restore(_ state: OptimizerState) throws {
        try Self.checkKind(state)
        self.state = state
    }

    public func apply(_ value: ScheduleValue) {
        learningRate = value.learningRate
        if let m = value.momentum { momentum = m }
    }

    public func step(_ parameters: [Parameter]) throws {
        try Self.forEachUpdatable(parameters) { parameter, grad in
            var entry = state.entries[parameter.name] ?? OptimizerState.Entry()
            if parameter.value.dtype == .float32 {
                try update(Float.self, parameter, grad, &entry)
            } else {
                try update(Double.self, parameter, grad, &entry)
            }
            entry.steps += 1
            state.entries[parameter.name] = entry
        }
    }

    private func update<T: FloatElement>(_: T.Type, _ parameter: Parameter, _ grad: Tensor, _ entry: inout OptimizerState.Entry) throws {
        let eta = T(learningRate), lambda = T(configuration.weightDecay)
        let mu = T(momentum), keep = T(1 - configuration.dampening)
        let useMomentum = momentum != 0, nesterov = configuration.nesterov
        var (buffer, fresh) = useMomentum ? try Self.takeBuffer("momentum", from: &entry, for: parameter)
                                          : (Tensor(zeros: [0], dtype: T.dtype), true)
        grad.withElements(T.self) { g in
            buffer.withMutableElements(T.self) { b in
                parameter.value.withMutableElements(T.self) { p in
                    for i in 0..<p.count {
                        var d = g[i]
                        if lambda != 0 { d += lambda * p[i] }
                        if useMomentum {
                            b[i] = fresh ? d : mu * b[i] + keep * d
                            d = nesterov ? d + mu * b[i] : b[i]
                        }
                        p[i] -= eta * d
                    }
                }
            }
        }
        if useMomentum { entry.buffers["momentum"] = buffer }
    }
}
