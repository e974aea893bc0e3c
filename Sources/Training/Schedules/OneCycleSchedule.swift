import Foundation

/// PyTorch's `OneCycleLR` (two phases, cosine annealing): the learning rate rises from
/// `η_max / initialDivisor` to `η_max` over the first `warmupFraction` of the steps, then falls
/// to `η_max / initialDivisor / finalDivisor`; the momentum moves inversely between
/// `maximumMomentum` and `baseMomentum`. Phase ends are PyTorch's: `warmupFraction · total − 1`
/// and `total − 1`. Steps past the end hold the last step's values (PyTorch raises).
public struct OneCycleSchedule: LearningRateSchedule, Codable, Equatable {
    /// η_max, PyTorch's `max_lr`.
    public var maximumLearningRate: Double
    public var totalSteps: Int
    /// PyTorch's `pct_start` (default 0.3); `--warmup F` with `--schedule onecycle`.
    public var warmupFraction: Double
    /// PyTorch's `div_factor` (default 25).
    public var initialDivisor: Double
    /// PyTorch's `final_div_factor` (default 1e4).
    public var finalDivisor: Double
    /// PyTorch's `cycle_momentum` (default true).
    public var cycleMomentum: Bool
    /// PyTorch's `base_momentum` (default 0.85), reached at the peak learning rate.
    public var baseMomentum: Double
    /// PyTorch's `max_momentum` (default 0.95), at the start and the end.
    public var maximumMomentum: Double

    public init(maximumLearningRate: Double, totalSteps: Int, warmupFraction: Double = 0.3,
                initialDivisor: Double = 25, finalDivisor: Double = 1e4, cycleMomentum: Bool = true,
                baseMomentum: Double = 0.85, maximumMomentum: Double = 0.95) throws {
        let owner = "one-cycle schedule"
        try requireHyperparameter(maximumLearningRate, 0...Double.greatestFiniteMagnitude, owner: owner, name: "maximumLearningRate")
        try requireHyperparameter(warmupFraction, 0...1, owner: owner, name: "warmupFraction")
        guard initialDivisor > 0, initialDivisor.isFinite else {
            throw TrainingError.invalidHyperparameter(owner: owner, name: "initialDivisor", detail: "must be positive, got \(initialDivisor)")
        }
        guard finalDivisor > 0, finalDivisor.isFinite else {
            throw TrainingError.invalidHyperparameter(owner: owner, name: "finalDivisor", detail: "must be positive, got \(finalDivisor)")
        }
        try requireHyperparameter(baseMomentum, 0...1, owner: owner, name: "baseMomentum")
        try requireHyperparameter(maximumMomentum, 0...1, owner: owner, name: "maximumMomentum")
        let rise = warmupFraction * Double(totalSteps) - 1
        // Either phase with no length would divide by zero in PyTorch's formula.
        guard totalSteps >= 2, rise > 0, Double(totalSteps - 1) - rise > 0 else {
            throw TrainingError.invalidHyperparameter(owner: owner, name: "warmupFraction", detail: "\(warmupFraction) of \(totalSteps) steps leaves a phase without steps; the rise needs warmupFraction·totalSteps > 1 and the fall at least one step after it")
        }
        self.maximumLearningRate = maximumLearningRate
        self.totalSteps = totalSteps
        self.warmupFraction = warmupFraction
        self.initialDivisor = initialDivisor
        self.finalDivisor = finalDivisor
        self.cycleMomentum = cycleMomentum
        self.baseMomentum = baseMomentum
        self.maximumMomentum = maximumMomentum
    }

    /// PyTorch's `_annealing_cos`: from `start` at fraction 0 to `end` at fraction 1.
    static func cosineAnneal(_ start: Double, _ end: Double, _ fraction: Double) -> Double {
        end + (start - end) / 2 * (cos(Double.pi * fraction) + 1)
    }

    public func value(at step: Int) -> ScheduleValue {
        let initial = maximumLearningRate / initialDivisor
        let minimum = initial / finalDivisor
        let riseEnd = warmupFraction * Double(totalSteps) - 1
        let t = Double(min(max(step, 0), totalSteps - 1))
        let learningRate: Double, momentum: Double
        if t <= riseEnd {
            let fraction = t / riseEnd
            learningRate = Self.cosineAnneal(initial, maximumLearningRate, fraction)
            momentum = Self.cosineAnneal(maximumMomentum, baseMomentum, fraction)
        } else {
            let fraction = (t - riseEnd) / (Double(totalSteps - 1) - riseEnd)
            learningRate = Self.cosineAnneal(maximumLearningRate, minimum, fraction)
            momentum = Self.cosineAnneal(baseMomentum, maximumMomentum, fraction)
        }
        return ScheduleValue(learningRate: learningRate, momentum: cycleMomentum ? momentum : nil)
    }
}
