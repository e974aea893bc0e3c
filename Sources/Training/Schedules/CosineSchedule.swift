import Foundation

/// PyTorch's `CosineAnnealingLR` in closed form: `η_min + (η − η_min)(1 + cos(π t / T)) / 2`
/// over `totalSteps` = T. Past T it holds η_min (ours; PyTorch would rise again).
public struct CosineSchedule: LearningRateSchedule, Codable, Equatable {
    public var learningRate: Double
    /// T, PyTorch's `T_max`.
    public var totalSteps: Int
    /// η_min, PyTorch's `eta_min` (default 0).
    public var minimumLearningRate: Double

    public init(learningRate: Double, totalSteps: Int, minimumLearningRate: Double = 0) throws {
        try requireHyperparameter(learningRate, 0...Double.greatestFiniteMagnitude, owner: "cosine schedule", name: "learningRate")
        try requireHyperparameter(minimumLearningRate, 0...Double.greatestFiniteMagnitude, owner: "cosine schedule", name: "minimumLearningRate")
        guard totalSteps >= 1 else {
            throw TrainingError.invalidHyperparameter(owner: "cosine schedule", name: "totalSteps", detail: "must be at least 1 step, got \(totalSteps)")
        }
        self.learningRate = learningRate
        self.totalSteps = totalSteps
        self.minimumLearningRate = minimumLearningRate
    }

    public func value(at step: Int) -> ScheduleValue {
        let t = Double(min(max(step, 0), totalSteps))
        let cosine = 1 + cos(Double.pi * t / Double(totalSteps))
        return ScheduleValue(learningRate: minimumLearningRate + (learningRate - minimumLearningRate) * cosine / 2)
    }
}
