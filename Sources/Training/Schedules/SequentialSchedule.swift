/// PyTorch's `SequentialLR`: `schedules[i]` runs from `milestones[i − 1]`, restarted at its own
/// step 0 (e.g. a linear warm-up, then cosine over the remaining steps).
public struct SequentialSchedule: LearningRateSchedule {
    public let schedules: [any LearningRateSchedule]
    /// Ascending steps where the next schedule takes over; one fewer than `schedules`.
    public let milestones: [Int]

    public init(_ schedules: [any LearningRateSchedule], milestones: [Int]) throws {
        guard !schedules.isEmpty, milestones.count == schedules.count - 1 else {
            throw TrainingError.invalidHyperparameter(owner: "sequential schedule", name: "milestones", detail: "needs one milestone fewer than schedules (\(schedules.count) schedules, \(milestones.count) milestones)")
        }
        guard zip(milestones, milestones.dropFirst()).allSatisfy({ $0 < $1 }), milestones.allSatisfy({ $0 >= 0 }) else {
            throw TrainingError.invalidHyperparameter(owner: "sequential schedule", name: "milestones", detail: "must be non-negative and strictly increasing, got \(milestones)")
        }
        self.schedules = schedules
        self.milestones = milestones
    }

    public func value(at step: Int) -> ScheduleValue {
        var start = 0
        for (index, milestone) in milestones.enumerated() {
            if step < milestone { return schedules[index].value(at: step - start) }
            start = milestone
        }
        return schedules[schedules.count - 1].value(at: step - start)
    }
}
