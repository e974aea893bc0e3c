/// The same learning rate at every step.
public struct ConstantSchedule: LearningRateSchedule, Codable, Equatable {
    public var learningRate: Double

    public init(learningRate: Double) throws {
        try requireHyperparameter(learningRate, 0...Double.greatestFiniteMagnitude, owner: "constant schedule", name: "learningRate")
        self.learningRate = learningRate
    }

    public func value(at step: Int) -> ScheduleValue { ScheduleValue(learningRate: learningRate) }
}
