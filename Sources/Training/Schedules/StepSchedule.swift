import Foundation

/// PyTorch's `StepLR`: `η · γ^⌊t / stepSize⌋`.
public struct StepSchedule: LearningRateSchedule, Codable, Equatable {
    public var learningRate: Double
    /// Steps between two decays (PyTorch's `step_size`).
    public var stepSize: Int
    /// Factor applied at each decay (PyTorch's `gamma`, default 0.1).
    public var gamma: Double

    public init(learningRate: Double, stepSize: Int, gamma: Double = 0.1) throws {
        try requireHyperparameter(learningRate, 0...Double.greatestFiniteMagnitude, owner: "step schedule", name: "learningRate")
        try requireHyperparameter(gamma, 0...Double.greatestFiniteMagnitude, owner: "step schedule", name: "gamma")
        guard stepSize >= 1 else {
            throw TrainingError.invalidHyperparameter(owner: "step schedule", name: "stepSize", detail: "must be at least 1 step, got \(stepSize)")
        }
        self.learningRate = learningRate
        self.stepSize = stepSize
        self.gamma = gamma
    }

    public func value(at step: Int) -> ScheduleValue {
        ScheduleValue(learningRate: learningRate * pow(gamma, Double(max(step, 0) / stepSize)))
    }
}
