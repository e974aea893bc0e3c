import Datasets
import Foundation
import ModelGraph
import TensorCore
import WinnowTestSupport
import XCTest
@testable import Training

/// The issue's rewind test on the real recipe: resnet8 on Debian's Fashion-MNIST train split
/// (60,000 images, batch 128, 469 batches per epoch with the short last one kept), SGD momentum
/// 0.9 Nesterov weight decay 5e-4, one-cycle to 0.1 over 8 epochs with pct_start 0.15,
/// crop:2 + hflip, seed 0 — `winnow train`'s settings. A snapshot at step 470 (epoch 1, batch 1:
/// mid-epoch) is restored twice into fresh trainers; both continuations equal the run that
/// never stopped, step for step (losses, sample ids) and at the end (weights with BatchNorm
/// statistics, optimizer state).
final class RewindRecipeTests: XCTestCase {
    static let folder = "/usr/share/datasets/fashion-mnist"
    static let rewindStep = 470
    static let continuation = 20

    func makeTrainer(train: Dataset, normalization: Normalization) throws -> Trainer {
        let loader = try DataLoader(source: train, batchSize: 128, seed: 0, augmentation: try Augmentation(padding: 2, horizontalFlip: true),
                                    normalization: normalization)
        let sgd = try SGD(.init(learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4))
        let duration = TrainingDuration.epochs(8)
        let schedule = try OneCycleSchedule(maximumLearningRate: 0.1, totalSteps: duration.steps(batchesPerEpoch: loader.batchesPerEpoch),
                                            warmupFraction: 0.15)
        return try Trainer(graph: try TrainerTests.model("resnet8"), data: loader, optimizer: sgd, schedule: schedule,
                           configuration: .init(duration: duration, seed: 0))
    }

    struct Continuation: Equatable {
        var losses: [Double] = []
        var ids: [[SampleID]] = []
        var positions: [EpochSampler.Position] = []
        var weights: [String: StoredTensor] = [:]
        var optimizer: Data = Data()
    }

    func continueRun(_ trainer: Trainer) throws -> Continuation {
        var out = Continuation()
        for _ in 0..<Self.continuation {
            let record = try trainer.trainStep()
            out.losses.append(record.loss)
            out.ids.append(record.samples.map(\.id))
            out.positions.append(EpochSampler.Position(epoch: record.epoch, batch: record.batch))
        }
        out.weights = TrainerTests.weightBytes(trainer.graph)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        out.optimizer = try encoder.encode(trainer.optimizer.state)
        return out
    }

    func testRewindAtStep470OfTheRealRecipeTwiceIsIdentical() throws {
        let train = try IDXReader.dataset(images: "\(Self.folder)/train-images-idx3-ubyte.gz",
                                          labels: "\(Self.folder)/train-labels-idx1-ubyte.gz", source: "train")
        XCTAssertEqual(train.count, 60_000)
        let normalization = try Normalization.computed(from: train, scale: 1.0 / 255)
        let original = try makeTrainer(train: train, normalization: normalization)
        XCTAssertEqual(original.data.batchesPerEpoch, 469, "60,000 / 128 with the last, short batch kept")
        XCTAssertEqual(original.totalSteps, 8 * 469)
        let started = Date()
        for _ in 0..<Self.rewindStep { try original.trainStep() }
        let folder = try makeTemporaryDirectory(self)
        let url = try original.saveSnapshot(in: folder)
        XCTAssertEqual(url.lastPathComponent, "step-00000470.json")
        XCTAssertEqual(original.data.state, EpochSampler.Position(epoch: 1, batch: 1), "step 470 is mid-epoch")
        let atRewind = TrainerTests.weightBytes(original.graph)
        let reference = try continueRun(original)
        print("rewind test: \(Self.rewindStep + Self.continuation) steps in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")

        var runs: [Continuation] = []
        for _ in 0..<2 {
            let trainer = try makeTrainer(train: train, normalization: normalization)
            try trainer.restore(from: url)
            XCTAssertEqual(trainer.step, Self.rewindStep)
            XCTAssertEqual(trainer.data.state, EpochSampler.Position(epoch: 1, batch: 1))
            XCTAssertEqual(TrainerTests.weightBytes(trainer.graph), atRewind)
            runs.append(try continueRun(trainer))
        }
        XCTAssertEqual(reference.positions.first, EpochSampler.Position(epoch: 1, batch: 1))
        for (index, run) in runs.enumerated() {
            XCTAssertEqual(run.losses, reference.losses, "per-step losses of continuation \(index)")
            XCTAssertEqual(run.positions, reference.positions, "batch positions of continuation \(index)")
            XCTAssertTrue(run.ids == reference.ids, "the batches of continuation \(index) hold other samples")
            XCTAssertEqual(run.weights.keys.sorted(), reference.weights.keys.sorted())
            for name in reference.weights.keys.sorted() where run.weights[name] != reference.weights[name] {
                XCTFail("initializer \(name) differs in continuation \(index)")
            }
            XCTAssertEqual(run.optimizer, reference.optimizer, "optimizer state of continuation \(index)")
        }
        XCTAssertTrue(reference.weights.keys.contains { $0.hasSuffix("running_var") }, "BatchNorm statistics are compared")
        XCTAssertNotEqual(reference.weights, atRewind, "the continuation moved the weights")
        XCTAssertGreaterThan(Set(reference.losses).count, 1)
    }
}
