import Datasets
import Foundation
import ModelGraph
import ONNX
import TensorCore
import WinnowTestSupport
import XCTest
@testable import Training

/// The trainer on committed zoo models and small synthetic image sets: step-exact snapshots
/// (resume equals an uninterrupted run bit for bit; rewinding twice from a mid-epoch snapshot
/// gives identical runs), masks, gradient clipping against its closed form, per-sample records
/// against losses recomputed in Float64 from an inference run, evaluation against an
/// independent argmax, durations, and data/model mismatches refused before any step.
final class TrainerTests: XCTestCase {
    static let modelsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Models")

    static func model(_ name: String) throws -> Graph {
        try ONNXImporter.load(contentsOf: modelsFolder.appendingPathComponent("\(name).onnx"))
    }

    /// `count` 1×28×28 byte images whose class is the brightest of ten horizontal bands, with noise.
    static func bandData(count: Int, seed: UInt64, source: String = "syn", channels: Int = 1, classes: Int = 10) throws -> Dataset {
        var numbers = TestNumbers(seed: seed)
        var pixels = [UInt8](repeating: 0, count: count * channels * 28 * 28)
        var labels: [Int] = []
        for n in 0..<count {
            let label = Int((numbers.next() + 1) * 5) % classes
            labels.append(label)
            for c in 0..<channels {
                for y in 0..<28 {
                    for x in 0..<28 {
                        let band = min(y * 10 / 28, 9)
                        let base = band == label ? 180.0 : 40.0
                        let v = base + 60 * numbers.next()
                        pixels[((n * channels + c) * 28 + y) * 28 + x] = UInt8(max(0, min(255, v)))
                    }
                }
            }
        }
        let images = try Tensor(shape: [count, channels, 28, 28], scalars: pixels)
        return try Dataset(images: images, ids: (0..<count).map { SampleID(source: source, index: $0) }, labels: labels,
                           classNames: (0..<classes).map { "c\($0)" })
    }

    /// A resnet8 run with BatchNormalization, augmentation, Nesterov SGD and one-cycle.
    func makeResNetTrainer(data: Dataset, steps: Int, snapshotDirectory: URL? = nil, snapshotEvery: TrainingDuration? = nil) throws -> Trainer {
        let graph = try Self.model("resnet8")
        let loader = try DataLoader(source: data, batchSize: 16, seed: 7, augmentation: try Augmentation(padding: 2, horizontalFlip: true),
                                    normalization: try Normalization(mean: [0.4], standardDeviation: [0.3]))
        let sgd = try SGD(.init(learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4))
        let schedule = try OneCycleSchedule(maximumLearningRate: 0.1, totalSteps: steps, warmupFraction: 0.3)
        return try Trainer(graph: graph, data: loader, optimizer: sgd, schedule: schedule,
                           configuration: .init(duration: .steps(steps), gradientClipNorm: 5, snapshotEvery: snapshotEvery,
                                                snapshotDirectory: snapshotDirectory, seed: 3))
    }

    static func weightBytes(_ graph: Graph) -> [String: StoredTensor] {
        var out: [String: StoredTensor] = [:]
        for p in graph.initializers { out[p.name] = StoredTensor(p.value) }
        return out
    }

    func testResumeFromSnapshotIsBitIdentical() throws {
        let data = try Self.bandData(count: 72, seed: 1)   // 5 batches per epoch, the last one short
        let steps = 12
        let uninterrupted = try makeResNetTrainer(data: data, steps: steps)
        try uninterrupted.run()

        let folder = try makeTemporaryDirectory(self)
        let first = try makeResNetTrainer(data: data, steps: steps, snapshotDirectory: folder, snapshotEvery: .steps(7))
        for _ in 0..<8 { try first.trainStep() }   // snapshot written at step 7 (mid-epoch 1); step 8 is lost
        let url = try XCTUnwrap(try TrainingSnapshot.latest(in: folder))
        XCTAssertEqual(url.lastPathComponent, "step-00000007.json")
        let remaining = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        XCTAssertEqual(remaining, ["step-00000007.json"], "no temporary file stays behind")

        let resumed = try makeResNetTrainer(data: data, steps: steps)
        try resumed.restore(from: url)
        XCTAssertEqual(resumed.step, 7)
        XCTAssertEqual(resumed.data.state, EpochSampler.Position(epoch: 1, batch: 2))
        try resumed.run()
        let a = Self.weightBytes(uninterrupted.graph), b = Self.weightBytes(resumed.graph)
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted())
        for name in a.keys.sorted() { XCTAssertEqual(a[name], b[name], "initializer \(name) differs after resume") }
        XCTAssertTrue(a.keys.contains { $0.hasSuffix("running_mean") }, "BatchNormalization statistics are compared too")
        // The run did move the weights (a resume that changed nothing would pass trivially).
        let initial = Self.weightBytes(try Self.model("resnet8"))
        let moved = a.keys.filter { a[$0] != initial[$0] }
        XCTAssertGreaterThan(moved.count, a.count / 2)
        let stateA = try JSONEncoder().encode(uninterrupted.optimizer.state)
        let stateB = try JSONEncoder().encode(resumed.optimizer.state)
        XCTAssertEqual(try JSONSerialization.jsonObject(with: stateA) as? NSDictionary,
                       try JSONSerialization.jsonObject(with: stateB) as? NSDictionary, "optimizer state after resume")
    }

    func testRewindFromMidEpochSnapshotTwiceIsIdentical() throws {
        let data = try Self.bandData(count: 64, seed: 2)   // 4 batches per epoch
        let steps = 9
        let trainer = try makeResNetTrainer(data: data, steps: steps)
        for _ in 0..<6 { try trainer.trainStep() }   // step 6: epoch 1, batch 2
        let rewindPoint = trainer.snapshot()
        var finals: [[String: StoredTensor]] = []
        var losses: [[Double]] = []
        for _ in 0..<2 {
            try trainer.restore(rewindPoint)
            var run: [Double] = []
            while trainer.step < steps { run.append(try trainer.trainStep().loss) }
            finals.append(Self.weightBytes(trainer.graph))
            losses.append(run)
        }
        XCTAssertEqual(losses[0], losses[1])
        XCTAssertEqual(losses[0].count, 3)
        for name in finals[0].keys.sorted() { XCTAssertEqual(finals[0][name], finals[1][name], "initializer \(name) after rewinding") }
        XCTAssertNotEqual(finals[0], rewindPoint.weights, "training on from the rewind point changed the weights")
    }

    func testSnapshotRetentionKeepsTheNewest() throws {
        let data = try Self.bandData(count: 32, seed: 8)   // 4 batches per epoch
        func makeTrainer(folder: URL, keep: Int?) throws -> Trainer {
            try Trainer(graph: try Self.model("lenet-300-100"), data: try DataLoader(source: data, batchSize: 8, seed: 1),
                        optimizer: try SGD(.init(learningRate: 0.05, momentum: 0.9)), schedule: try ConstantSchedule(learningRate: 0.05),
                        configuration: .init(duration: .steps(7), snapshotEvery: .steps(2), snapshotDirectory: folder, keepSnapshots: keep))
        }
        func listing(_ folder: URL) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }
        let name = TrainingSnapshot.fileName

        let folder = try makeTemporaryDirectory(self)
        let trainer = try makeTrainer(folder: folder, keep: 2)
        var listings: [[String]] = []
        for _ in 0..<7 { try trainer.trainStep(); listings.append(try listing(folder)) }
        // Snapshots at steps 2, 4, 6 and 7 (the last step); two stay.
        XCTAssertEqual(listings[1], [name(2)])
        XCTAssertEqual(listings[3], [name(2), name(4)])
        XCTAssertEqual(listings[5], [name(4), name(6)])
        XCTAssertEqual(listings[6], [name(6), name(7)])
        let latest = try XCTUnwrap(try TrainingSnapshot.latest(in: folder))
        XCTAssertEqual(latest.lastPathComponent, name(7))
        let resumed = try makeTrainer(folder: try makeTemporaryDirectory(self), keep: 2)
        try resumed.restore(from: latest)
        XCTAssertEqual(resumed.step, 7)
        XCTAssertEqual(Self.weightBytes(resumed.graph), Self.weightBytes(trainer.graph))

        // 0 and nil keep every snapshot.
        for keep in [0, nil] as [Int?] {
            let all = try makeTemporaryDirectory(self)
            try makeTrainer(folder: all, keep: keep).run()
            XCTAssertEqual(try listing(all), [name(2), name(4), name(6), name(7)], "keep \(String(describing: keep))")
        }
        XCTAssertThrowsError(try makeTrainer(folder: folder, keep: -1)) { XCTAssertTrue("\($0)".contains("keepSnapshots"), "\($0)") }

        // The file just written stays even when a stale snapshot has a higher step (a run rewound
        // into an old folder); other files are left alone.
        try FileManager.default.copyItem(at: latest, to: folder.appendingPathComponent(name(99)))
        try Data("notes".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let removed = try TrainingSnapshot.prune(in: folder, keeping: 2, protecting: folder.appendingPathComponent(name(6)))
        XCTAssertEqual(removed.map(\.lastPathComponent), [name(7)])
        XCTAssertEqual(try listing(folder), ["notes.txt", name(6), name(99)])
        try TrainingSnapshot.prune(in: folder, keeping: 1, protecting: folder.appendingPathComponent(name(6)))
        XCTAssertEqual(try listing(folder), ["notes.txt", name(6)])
        XCTAssertThrowsError(try TrainingSnapshot.prune(in: folder, keeping: 0, protecting: latest))
    }

    func testMasksHoldPrunedWeightsAtZero() throws {
        let data = try Self.bandData(count: 48, seed: 3)
        let graph = try Self.model("lenet-300-100")
        let loader = try DataLoader(source: data, batchSize: 16, seed: 1)
        let sgd = try SGD(.init(learningRate: 0.05, momentum: 0.9, weightDecay: 1e-2))
        let trainer = try Trainer(graph: graph, data: loader, optimizer: sgd, schedule: try ConstantSchedule(learningRate: 0.05),
                                  configuration: .init(duration: .epochs(2)))
        let weight = try XCTUnwrap(graph.initializers.first { $0.requiresGrad && $0.value.rank == 2 })
        let count = weight.value.count
        let pattern = (0..<count).map { Float(($0 * 7919) % 3 == 0 ? 0 : 1) }
        try trainer.setMask(try Tensor(shape: weight.value.shape, scalars: pattern), for: weight.name)
        let before = weight.value.doubles()
        try trainer.run()
        XCTAssertEqual(trainer.step, 6)
        let after = weight.value.doubles()
        var changedKept = 0
        for i in 0..<count {
            if pattern[i] == 0 { XCTAssertEqual(after[i], 0, "pruned weight \(i) came back") }
            else if after[i] != before[i] { changedKept += 1 }
        }
        XCTAssertGreaterThan(changedKept, count / 2, "kept weights train")
        // The optimizer never saw gradient for the pruned entries, so its momentum there is zero.
        let momentum = try XCTUnwrap(sgd.state.entries[weight.name]?.buffers["momentum"]).doubles()
        XCTAssertEqual((0..<count).filter { pattern[$0] == 0 && momentum[$0] != 0 }.count, 0)
    }

    func testGradientClippingScalesToTheLimit() throws {
        let data = try Self.bandData(count: 16, seed: 4)
        let graph = try Self.model("lenet-300-100")
        let loader = try DataLoader(source: data, batchSize: 16, seed: 1)
        let limit = 1e-3
        let trainer = try Trainer(graph: graph, data: loader, optimizer: try SGD(.init(learningRate: 1)),
                                  schedule: try ConstantSchedule(learningRate: 1),
                                  configuration: .init(duration: .steps(1), gradientClipNorm: limit))
        let before = Self.weightBytes(graph)
        try trainer.trainStep()
        // Plain SGD with learning rate 1: the update is minus the clipped gradient, so its global
        // L2 norm is limit·‖g‖/(‖g‖ + 1e-6), within float rounding of the limit.
        var squares = 0.0
        for p in graph.initializers where p.requiresGrad {
            let old = try before[p.name]!.tensor().doubles(), new = p.value.doubles()
            for (o, n) in zip(old, new) { squares += (n - o) * (n - o) }
        }
        XCTAssertEqual(squares.squareRoot(), limit, accuracy: limit * 1e-3)
    }

    func testSampleRecordsMatchAnInferenceRecomputation() throws {
        let data = try Self.bandData(count: 40, seed: 5)
        let graph = try Self.model("lenet-300-100")
        let loader = try DataLoader(source: data, batchSize: 16, seed: 9)
        final class Collector: TrainerCallback {
            var records: [StepRecord] = []
            var epochs: [Int] = []
            var weightsBefore: [[String: Tensor]] = []
            func trainerWillBeginStep(_ trainer: Trainer, step: Int) throws {
                var w: [String: Tensor] = [:]
                for p in trainer.graph.initializers { w[p.name] = p.value }
                weightsBefore.append(w)
            }
            func trainerDidEndStep(_ trainer: Trainer, record: StepRecord) throws { records.append(record) }
            func trainerDidEndEpoch(_ trainer: Trainer, epoch: Int) throws { epochs.append(epoch) }
        }
        let collector = Collector()
        let trainer = try Trainer(graph: graph, data: loader, optimizer: try SGD(.init(learningRate: 0.01)),
                                  schedule: try ConstantSchedule(learningRate: 0.01), configuration: .init(duration: .epochs(2)))
        trainer.callbacks = [collector]
        try trainer.run()
        XCTAssertEqual(collector.records.count, 6)
        XCTAssertEqual(collector.epochs, [0, 1])
        let epoch0 = collector.records.filter { $0.epoch == 0 }.flatMap { $0.samples.map(\.id) }
        XCTAssertEqual(Set(epoch0), Set(data.ids), "one epoch visits every sample once")
        XCTAssertEqual(epoch0.count, data.count)

        // Recompute step 4's records with the weights it started from, in Float64.
        let index = 4
        let record = collector.records[index]
        let check = try Self.model("lenet-300-100")
        for p in check.initializers { p.value = try XCTUnwrap(collector.weightsBefore[index][p.name]) }
        let positions = data.indexByID()
        let rows = record.samples.map { positions[$0.id]! }
        let images = try data.gather(rows).cast(to: .float32).multiplying(1.0 / 255)
        let logits = try XCTUnwrap(try Executor(graph: check).run(["input": images])["logits"]).doubles()
        var meanLoss = 0.0
        for (r, sample) in record.samples.enumerated() {
            let row = Array(logits[r * 10 ..< r * 10 + 10])
            let label = data.labels![rows[r]]
            let top = row.max()!
            let logSum = top + log(row.map { exp($0 - top) }.reduce(0, +))
            let loss = logSum - row[label]
            let other = row.enumerated().filter { $0.offset != label }.map(\.element).max()!
            XCTAssertEqual(sample.loss, loss, accuracy: 1e-4 * max(1, loss))
            XCTAssertEqual(sample.margin, row[label] - other, accuracy: 1e-4)
            XCTAssertEqual(sample.correct, row.firstIndex(of: top) == label)
            meanLoss += loss / Double(record.samples.count)
        }
        XCTAssertEqual(record.loss, meanLoss, accuracy: 1e-4)
    }

    func testEvaluationAndLearning() throws {
        let train = try Self.bandData(count: 256, seed: 6, source: "train")
        let test = try Self.bandData(count: 100, seed: 7, source: "test")
        let graph = try Self.model("lenet-300-100")
        let loader = try DataLoader(source: train, batchSize: 32, seed: 2)
        let testLoader = try DataLoader(source: test, batchSize: 64, seed: 0, shuffle: false)
        final class Evaluations: TrainerCallback {
            var seen: [Evaluation] = []
            func trainerDidEvaluate(_ trainer: Trainer, evaluation: Evaluation) throws { seen.append(evaluation) }
        }
        let evaluations = Evaluations()
        let trainer = try Trainer(graph: graph, data: loader, optimizer: try SGD(.init(learningRate: 0.05, momentum: 0.9)),
                                  schedule: try ConstantSchedule(learningRate: 0.05), evaluationData: testLoader,
                                  configuration: .init(duration: try TrainingDuration(parsing: "3ep"), evaluateEvery: .epochs(1)))
        trainer.callbacks = [evaluations]
        XCTAssertEqual(trainer.totalSteps, 24)
        try trainer.run()
        XCTAssertEqual(evaluations.seen.map(\.step), [8, 16, 24])
        let last = try XCTUnwrap(evaluations.seen.last)
        XCTAssertEqual(last.sampleCount, 100)
        // Independent accuracy: one inference over the whole test set, argmax in the test.
        let images = try test.images.cast(to: .float32).multiplying(1.0 / 255)
        let logits = try XCTUnwrap(try Executor(graph: graph).run(["input": images])["logits"]).doubles()
        var correct = 0
        for n in 0..<100 {
            let row = Array(logits[n * 10 ..< n * 10 + 10])
            if row.firstIndex(of: row.max()!) == test.labels![n] { correct += 1 }
        }
        XCTAssertEqual(last.accuracy, Double(correct) / 100)
        XCTAssertGreaterThan(last.accuracy, 0.5, "the band task is learnable in three epochs")
        XCTAssertLessThan(last.loss, evaluations.seen[0].loss + 1e-9)
    }

    func testDurations() throws {
        XCTAssertEqual(try TrainingDuration(parsing: "8ep").steps(batchesPerEpoch: 469), 3752)
        XCTAssertEqual(try TrainingDuration(parsing: "500it").steps(batchesPerEpoch: 469), 500)
        XCTAssertThrowsError(try TrainingDuration(parsing: "8"))
        XCTAssertThrowsError(try TrainingDuration(parsing: "-2ep"))
        XCTAssertThrowsError(try TrainingDuration(parsing: "xit"))
    }

    func testMismatchedDataIsRefusedBeforeTheFirstStep() throws {
        func attempt(_ data: Dataset) throws {
            _ = try Trainer(graph: try Self.model("resnet8"), data: try DataLoader(source: data, batchSize: 4, seed: 0),
                            optimizer: try SGD(), schedule: try ConstantSchedule(learningRate: 0.1),
                            configuration: .init(duration: .epochs(1)))
        }
        XCTAssertThrowsError(try attempt(try Self.bandData(count: 8, seed: 1, channels: 3))) { error in
            XCTAssertTrue("\(error)".contains("channels"), "\(error)")
        }
        XCTAssertThrowsError(try attempt(try Self.bandData(count: 8, seed: 1, classes: 5))) { error in
            XCTAssertTrue("\(error)".contains("10 classes"), "\(error)")
        }
        let unlabelled = try Dataset(images: Tensor(zeros: [4, 1, 28, 28], dtype: .uint8), ids: ["u:0", "u:1", "u:2", "u:3"])
        XCTAssertThrowsError(try attempt(unlabelled)) { error in XCTAssertTrue("\(error)".contains("labels"), "\(error)") }
    }
}
