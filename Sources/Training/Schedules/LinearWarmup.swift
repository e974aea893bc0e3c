/// PyTorch's `LinearLR`: the factor goes linearly from `startFactor` to `endFactor` over
/// `warmupSteps`, `η · (s + (e − s) · min(t, W) / W)`, then stays at `η · e`.
/// Followed by another schedule with `SequentialSchedule`.
public struct LinearWarmup: LearningRateSchedule, Codable, Equatable {
    public var learningRate: Double
    /// W, PyTorch's `total_iters`.
    public var warmupSteps: Int
    /// s, PyTorch's `start_factor` (default 1/3).
    public var startFactor: Double
    /// e, PyTorch's `end_factor` (default 1).
    public var endFactor: Double

    public init(learningRate: Double, warmupSteps: Int, startFactor: Double = 1.0 / 3, endFactor: Double = 1) throws {
        try requireHyperparameter(learningRate, 0...Double.greatestFiniteMagnitude, owner: "linear warm-up", name: "learningRate")
        // PyTorch's bounds: start in (0, 1], end in [0, 1].
        guard startFactor > 0 && startFactor <= 1 else {
            throw TrainingError.invalidHyperparameter(owner: "linear warm-up", name: "startFactor", detail: "must lie in (0, 1], got \(startFactor)")
        }
        try requireHyperparameter(endFactor, 0...1, owner: "linear warm-up", name: "endFactor")
        guard warmupSteps >= 1 else {
            throw TrainingError.invalidHyperparameter(owner: "linear warm-up", name: "warmupSteps", detail: "must be at least 1 step, got \(warmupSteps)")
        }
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.startFactor = startFactor
        self.endFactor = endFactor
    }

    public func value(at step: Int) -> ScheduleValue {
        let progress = Double(min(max(step, 0), warmupSteps)) / Double(warmupSteps)
        return ScheduleValue(learningRate: learningRate * (startFactor + (endFactor - startFactor) * progress))
    }
}
