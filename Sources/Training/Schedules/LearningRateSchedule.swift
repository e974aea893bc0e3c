/// What a schedule sets before one optimizer step.
public struct ScheduleValue: Equatable, Sendable {
    public var learningRate: Double
    /// SGD momentum or Adam's β₁ for this step; nil leaves the optimizer's own value.
    public var momentum: Double?

    public init(learningRate: Double, momentum: Double? = nil) {
        self.learningRate = learningRate
        self.momentum = momentum
    }
}

/// A learning-rate schedule as a pure function of the optimizer step (METHODS.md, Time base:
/// every duration is resolved to steps before training), so a snapshot's schedule position is
/// just its step. Step 0 is the first update, as after PyTorch's scheduler construction.
/// Requirement: `value(at:)`.
public protocol LearningRateSchedule: Sendable {
    /// The values for optimizer step `step` (0-based).
    func value(at step: Int) -> ScheduleValue
}
