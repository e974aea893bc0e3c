import Foundation
import XCTest
@testable import Training

/// Schedules against PyTorch's scheduler semantics, written here from its documentation: the
/// chainable (recursive) forms PyTorch steps through, and OneCycleLR's phase walk.
final class ScheduleTests: XCTestCase {

    func testConstant() throws {
        let schedule = try ConstantSchedule(learningRate: 0.05)
        for step in [0, 1, 99, 10_000] { XCTAssertEqual(schedule.value(at: step), ScheduleValue(learningRate: 0.05)) }
    }

    func testStepMatchesPyTorchRecursiveForm() throws {
        let schedule = try StepSchedule(learningRate: 0.1, stepSize: 30, gamma: 0.5)
        // StepLR.get_lr: multiply by gamma whenever last_epoch is a positive multiple of step_size.
        var lr = 0.1
        for step in 0..<200 {
            if step > 0 && step % 30 == 0 { lr *= 0.5 }
            XCTAssertEqual(schedule.value(at: step).learningRate, lr, accuracy: 1e-15 * lr, "step \(step)")
            XCTAssertNil(schedule.value(at: step).momentum)
        }
    }

    func testCosineMatchesPyTorchRecursiveForm() throws {
        for (base, minimum, total) in [(0.1, 0.0, 100), (0.3, 1e-3, 37), (1.0, 0.5, 1)] {
            let schedule = try CosineSchedule(learningRate: base, totalSteps: total, minimumLearningRate: minimum)
            // CosineAnnealingLR.get_lr, chainable form, stepped from last_epoch 0 to T_max.
            var lr = base
            for step in 0...total {
                if step > 0 {
                    if (step - 1 - total) % (2 * total) == 0 {
                        lr = lr + (base - minimum) * (1 - cos(Double.pi / Double(total))) / 2
                    } else {
                        lr = (1 + cos(Double.pi * Double(step) / Double(total)))
                            / (1 + cos(Double.pi * Double(step - 1) / Double(total))) * (lr - minimum) + minimum
                    }
                }
                XCTAssertEqual(schedule.value(at: step).learningRate, lr, accuracy: 1e-12, "T=\(total) step \(step)")
            }
            XCTAssertEqual(schedule.value(at: total).learningRate, minimum, accuracy: 1e-15)
            XCTAssertEqual(schedule.value(at: total + 50).learningRate, minimum, accuracy: 1e-15, "holds η_min past T")
        }
    }

    func testLinearWarmupMatchesPyTorchRecursiveForm() throws {
        for (start, end, total) in [(1.0 / 3, 1.0, 5), (0.01, 1.0, 120), (0.5, 0.2, 10)] {
            let schedule = try LinearWarmup(learningRate: 0.2, warmupSteps: total, startFactor: start, endFactor: end)
            // LinearLR.get_lr.
            var lr = 0.2
            for step in 0..<(total + 20) {
                if step == 0 {
                    lr = lr * start
                } else if step <= total {
                    lr = lr * (1 + (end - start) / (Double(total) * start + Double(step - 1) * (end - start)))
                }
                XCTAssertEqual(schedule.value(at: step).learningRate, lr, accuracy: 1e-13, "start \(start) step \(step)")
            }
        }
    }

    func testSequentialWarmupThenCosine() throws {
        let warmup = try LinearWarmup(learningRate: 0.1, warmupSteps: 10, startFactor: 0.1)
        let cosine = try CosineSchedule(learningRate: 0.1, totalSteps: 90)
        let schedule = try SequentialSchedule([warmup, cosine], milestones: [10])
        for step in 0..<100 {
            let expected = step < 10 ? 0.1 * (0.1 + 0.9 * Double(step) / 10)
                                     : 0.1 * (1 + cos(Double.pi * Double(step - 10) / 90)) / 2
            XCTAssertEqual(schedule.value(at: step).learningRate, expected, accuracy: 1e-15, "step \(step)")
        }
        XCTAssertThrowsError(try SequentialSchedule([warmup, cosine], milestones: []))
        XCTAssertThrowsError(try SequentialSchedule([warmup, cosine, cosine], milestones: [10, 5]))
    }

    /// OneCycleLR.get_lr as PyTorch's documentation and source describe it: a phase list walked
    /// until the step falls inside a phase (the last phase takes everything after).
    static func pytorchOneCycle(step: Int, maxLR: Double, total: Int, pctStart: Double,
                                divFactor: Double = 25, finalDivFactor: Double = 1e4,
                                baseMomentum: Double = 0.85, maxMomentum: Double = 0.95) -> (lr: Double, momentum: Double) {
        let initialLR = maxLR / divFactor
        let minLR = initialLR / finalDivFactor
        struct Phase { let end: Double; let startLR: Double; let endLR: Double; let startM: Double; let endM: Double }
        let phases = [
            Phase(end: pctStart * Double(total) - 1, startLR: initialLR, endLR: maxLR, startM: maxMomentum, endM: baseMomentum),
            Phase(end: Double(total) - 1, startLR: maxLR, endLR: minLR, startM: baseMomentum, endM: maxMomentum),
        ]
        func annealCos(_ start: Double, _ end: Double, _ pct: Double) -> Double {
            let cosOut = cos(Double.pi * pct) + 1
            return end + (start - end) / 2.0 * cosOut
        }
        var startStep = 0.0
        for (i, phase) in phases.enumerated() {
            if Double(step) <= phase.end || i == phases.count - 1 {
                let pct = (Double(step) - startStep) / (phase.end - startStep)
                return (annealCos(phase.startLR, phase.endLR, pct), annealCos(phase.startM, phase.endM, pct))
            }
            startStep = phase.end
        }
        return (.nan, .nan)
    }

    func testOneCycleMatchesPyTorchAtEveryStep() throws {
        for (maxLR, total, pct) in [(0.1, 3752, 0.15), (0.1, 1000, 0.3), (2.0, 50, 0.25), (0.01, 7, 0.5)] {
            let schedule = try OneCycleSchedule(maximumLearningRate: maxLR, totalSteps: total, warmupFraction: pct)
            for step in 0..<total {
                let expected = Self.pytorchOneCycle(step: step, maxLR: maxLR, total: total, pctStart: pct)
                let value = schedule.value(at: step)
                XCTAssertEqual(value.learningRate, expected.lr, accuracy: 1e-15 + 1e-13 * expected.lr, "total \(total) step \(step)")
                XCTAssertEqual(value.momentum ?? .nan, expected.momentum, accuracy: 1e-13, "total \(total) step \(step)")
            }
            // Anchors: starts at max/25 with momentum 0.95, ends at max/25/1e4 with momentum 0.95.
            XCTAssertEqual(schedule.value(at: 0).learningRate, maxLR / 25, accuracy: 1e-15)
            XCTAssertEqual(schedule.value(at: 0).momentum ?? 0, 0.95, accuracy: 1e-15)
            XCTAssertEqual(schedule.value(at: total - 1).learningRate, maxLR / 25 / 1e4, accuracy: 1e-15)
            XCTAssertEqual(schedule.value(at: total - 1).momentum ?? 0, 0.95, accuracy: 1e-15)
            XCTAssertEqual(schedule.value(at: total + 10), schedule.value(at: total - 1), "holds past the end")
            let peak = (0..<total).max { schedule.value(at: $0).learningRate < schedule.value(at: $1).learningRate }!
            XCTAssertLessThanOrEqual(abs(Double(peak) - (pct * Double(total) - 1)), 1)
            XCTAssertEqual(schedule.value(at: peak).momentum ?? 0, 0.85, accuracy: 0.01)
        }
    }

    func testOneCycleWithoutMomentumCycling() throws {
        let schedule = try OneCycleSchedule(maximumLearningRate: 0.1, totalSteps: 100, cycleMomentum: false)
        XCTAssertNil(schedule.value(at: 40).momentum)
    }

    func testOneCycleRefusesEmptyPhases() {
        XCTAssertThrowsError(try OneCycleSchedule(maximumLearningRate: 0.1, totalSteps: 10, warmupFraction: 0.1)) { error in
            XCTAssertTrue("\(error)".contains("warmupFraction"), "\(error)")
        }
        XCTAssertThrowsError(try OneCycleSchedule(maximumLearningRate: 0.1, totalSteps: 10, warmupFraction: 1.0))
        XCTAssertThrowsError(try OneCycleSchedule(maximumLearningRate: 0.1, totalSteps: 1))
        XCTAssertThrowsError(try OneCycleSchedule(maximumLearningRate: 0.1, totalSteps: 100, warmupFraction: 1.5))
        XCTAssertThrowsError(try CosineSchedule(learningRate: 0.1, totalSteps: 0))
        XCTAssertThrowsError(try StepSchedule(learningRate: 0.1, stepSize: 0))
        XCTAssertThrowsError(try LinearWarmup(learningRate: 0.1, warmupSteps: 5, startFactor: 0))
    }

    func testSchedulesDriveOptimizers() throws {
        let schedule = try OneCycleSchedule(maximumLearningRate: 0.1, totalSteps: 100, warmupFraction: 0.15)
        let sgd = try SGD(.init(learningRate: 1, momentum: 0.9, nesterov: true))
        sgd.apply(schedule.value(at: 14))
        XCTAssertEqual(sgd.learningRate, schedule.value(at: 14).learningRate)
        XCTAssertEqual(sgd.momentum, schedule.value(at: 14).momentum)
        let adam = try Adam()
        adam.apply(schedule.value(at: 3))
        XCTAssertEqual(adam.beta1, schedule.value(at: 3).momentum)
        adam.apply(ScheduleValue(learningRate: 0.5))
        XCTAssertEqual(adam.beta1, schedule.value(at: 3).momentum, "no momentum leaves β₁ alone")
        XCTAssertEqual(adam.learningRate, 0.5)
    }

    func testSchedulesRoundTripThroughJSON() throws {
        let schedule = try OneCycleSchedule(maximumLearningRate: 0.1, totalSteps: 100, warmupFraction: 0.15)
        let decoded = try JSONDecoder().decode(OneCycleSchedule.self, from: JSONEncoder().encode(schedule))
        XCTAssertEqual(decoded, schedule)
    }
}
