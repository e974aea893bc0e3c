import ArgumentParser
import Datasets
import Foundation
import ModelGraph
import ONNX
import TensorCore
import Training

/// `winnow train MODEL.onnx --data fashion-mnist|POOL ... --out DIR [--resume]`: trains the
/// graph, writes DIR/model.onnx, DIR/metrics.jsonl and DIR/snapshots/.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an ONNX classifier on fashion-mnist or a packed pool; writes DIR/model.onnx, DIR/metrics.jsonl, DIR/snapshots/.")

    static let fashionFolder = "/usr/share/datasets/fashion-mnist"
    static let fashionClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    @Argument(help: "The model to train (.onnx).")
    var model: String
    @Option(name: .long, help: "Training data: fashion-mnist or a packed pool folder.")
    var data: String
    @Option(name: .long, help: "Evaluation data: a split of fashion-mnist (test, train) or a pool folder (default for fashion-mnist: test).")
    var eval: String?
    @Option(name: .long, help: "Training length: a number of epochs, or a duration such as 8ep or 500it.")
    var epochs: String = "1"
    @Option(name: .long, help: "Batch size.")
    var batch: Int = 128
    @Option(name: .long, help: "sgd, adam or adamw.")
    var optimizer: String = "sgd"
    @Option(name: .long, help: "SGD momentum.")
    var momentum: Double = 0
    @Flag(name: .long, help: "Nesterov momentum (SGD).")
    var nesterov = false
    @Option(name: .long, help: "Weight decay.")
    var weightDecay: Double = 0
    @Option(name: .long, help: "Learning rate (one-cycle: the peak).")
    var lr: Double = 0.1
    @Option(name: .long, help: "onecycle, cosine, step or constant.")
    var schedule: String = "constant"
    @Option(name: .long, help: "Warm-up fraction of the steps (onecycle: pct_start).")
    var warmup: Double?
    @Option(name: .long, help: "Augmentation, e.g. crop:2,hflip,vflip,rot90.")
    var augment: String?
    @Option(name: .long, help: "Teacher model for distillation (.onnx).")
    var teacher: String?
    @Option(name: .customLong("kd-alpha"), help: "Distillation weight α.")
    var kdAlpha: Double = 0.5
    @Option(name: .customLong("kd-temperature"), help: "Distillation temperature T.")
    var kdTemperature: Double = 4
    @Option(name: .long, help: "Clip the global gradient norm to this value.")
    var clip: Double?
    @Option(name: .customLong("snapshot-every"), help: "Snapshot interval, e.g. 1ep or 200it (default: every epoch).")
    var snapshotEvery: String = "1ep"
    @Option(name: .customLong("keep-snapshots"), help: "Keep only the newest K snapshots in DIR/snapshots (0: keep all).")
    var keepSnapshots: Int = 3
    @Option(name: .long, help: "Seed (sampler order, augmentation).")
    var seed: UInt64 = 0
    @Option(name: .long, help: "Output folder.")
    var out: String
    @Flag(name: .long, help: "Continue from the latest snapshot in DIR/snapshots.")
    var resume = false
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        try threadOptions.apply()
        guard keepSnapshots >= 0 else { throw ValidationError("--keep-snapshots must be 0 (keep all) or a positive count, got \(keepSnapshots)") }
        let folder = URL(fileURLWithPath: out, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let graph = try ONNXImporter.load(contentsOf: URL(fileURLWithPath: model))

        let (trainSource, evalSource) = try sources()
        let scale: Double = trainSource.dtype == .uint8 ? 1.0 / 255 : 1
        let normalization = try Normalization.computed(from: trainSource, scale: scale)
        let loader = try DataLoader(source: trainSource, batchSize: batch, seed: seed, augmentation: try parseAugmentation(),
                                    normalization: normalization)
        let evalLoader = try evalSource.map { try DataLoader(source: $0, batchSize: 256, seed: seed, shuffle: false, normalization: normalization) }

        let duration = try Int(epochs).map { TrainingDuration.epochs($0) } ?? TrainingDuration(parsing: epochs)
        let totalSteps = duration.steps(batchesPerEpoch: loader.batchesPerEpoch)
        guard totalSteps >= 1 else { throw ValidationError("--epochs \(epochs) resolves to no optimizer steps") }
        let objective: TrainingObjective
        if let teacher {
            let teacherGraph = try ONNXImporter.load(contentsOf: URL(fileURLWithPath: teacher))
            objective = .distillation(try Distillation(alpha: kdAlpha, temperature: kdTemperature),
                                      teacher: try Executor(graph: teacherGraph), teacherOutput: teacherGraph.outputs.first?.name ?? "")
        } else {
            objective = .crossEntropy(.plain)
        }
        let trainer = try Trainer(
            graph: graph, data: loader, optimizer: try makeOptimizer(), schedule: try makeSchedule(totalSteps: totalSteps),
            objective: objective, evaluationData: evalLoader,
            configuration: .init(duration: duration, gradientClipNorm: clip, evaluateEvery: .epochs(1),
                                 snapshotEvery: try TrainingDuration(parsing: snapshotEvery),
                                 snapshotDirectory: folder.appendingPathComponent("snapshots", isDirectory: true),
                                 keepSnapshots: keepSnapshots, seed: seed))
        let metricsURL = folder.appendingPathComponent("metrics.jsonl")
        if resume, let url = try TrainingSnapshot.latest(in: folder.appendingPathComponent("snapshots")) {
            try trainer.restore(from: url)
            Console.info("resumed from \(url.lastPathComponent) at step \(trainer.step)")
            try MetricsLog.truncate(metricsURL, after: trainer.step)
        } else {
            try Data().write(to: metricsURL)
        }
        let log = try MetricsLog(url: metricsURL, batchesPerEpoch: loader.batchesPerEpoch, totalSteps: totalSteps, batchSize: batch)
        trainer.callbacks = [log]
        Console.info("training \(model): \(trainSource.count) samples, \(loader.batchesPerEpoch) steps per epoch, \(totalSteps) steps")
        try trainer.run()
        try ONNXExporter.save(graph, to: folder.appendingPathComponent("model.onnx"))
        if let evaluation = trainer.lastEvaluation {
            Console.output(String(format: "test accuracy: %.4f", evaluation.accuracy))
        }
    }

    func sources() throws -> (any SampleSource, (any SampleSource)?) {
        func fashion(_ split: String) throws -> Dataset {
            let prefix = split == "test" ? "t10k" : "train"
            return try IDXReader.dataset(images: "\(Self.fashionFolder)/\(prefix)-images-idx3-ubyte.gz",
                                         labels: "\(Self.fashionFolder)/\(prefix)-labels-idx1-ubyte.gz",
                                         source: split, classNames: Self.fashionClasses)
        }
        if data == "fashion-mnist" {
            let evalSplit = eval ?? "test"
            let evalSource: any SampleSource = ["test", "train"].contains(evalSplit) ? try fashion(evalSplit)
                : try PackedPool.open(URL(fileURLWithPath: evalSplit))
            return (try fashion("train"), evalSource)
        }
        let pool = try PackedPool.open(URL(fileURLWithPath: data))
        let evalSource = try eval.map { try PackedPool.open(URL(fileURLWithPath: $0)) }
        return (pool, evalSource)
    }

    func parseAugmentation() throws -> Augmentation? {
        guard let augment, !augment.isEmpty else { return nil }
        var padding = 0, hflip = false, vflip = false, rot = false
        for part in augment.split(separator: ",") {
            let item = part.trimmingCharacters(in: .whitespaces)
            if item.hasPrefix("crop:"), let p = Int(item.dropFirst(5)) { padding = p }
            else if item == "hflip" { hflip = true }
            else if item == "vflip" { vflip = true }
            else if item == "rot90" { rot = true }
            else { throw ValidationError("--augment: unknown item '\(item)'; use crop:P, hflip, vflip, rot90") }
        }
        return try Augmentation(padding: padding, horizontalFlip: hflip, verticalFlip: vflip, rotate90: rot)
    }

    func makeOptimizer() throws -> any Optimizer {
        switch optimizer {
        case "sgd": return try SGD(.init(learningRate: lr, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay))
        case "adam": return try Adam(.init(learningRate: lr, weightDecay: weightDecay))
        case "adamw": return try AdamW(.init(learningRate: lr, weightDecay: weightDecay))
        default: throw ValidationError("--optimizer must be sgd, adam or adamw, got '\(optimizer)'")
        }
    }

    func makeSchedule(totalSteps: Int) throws -> any LearningRateSchedule {
        if schedule == "onecycle" {
            return try OneCycleSchedule(maximumLearningRate: lr, totalSteps: totalSteps, warmupFraction: warmup ?? 0.3)
        }
        let warmupSteps = Int(((warmup ?? 0) * Double(totalSteps)).rounded())
        let remaining = max(1, totalSteps - warmupSteps)
        let main: any LearningRateSchedule
        switch schedule {
        case "constant": main = try ConstantSchedule(learningRate: lr)
        case "cosine": main = try CosineSchedule(learningRate: lr, totalSteps: remaining)
        case "step": main = try StepSchedule(learningRate: lr, stepSize: max(1, remaining / 3))
        default: throw ValidationError("--schedule must be onecycle, cosine, step or constant, got '\(schedule)'")
        }
        guard warmupSteps > 0 else { return main }
        return try SequentialSchedule([try LinearWarmup(learningRate: lr, warmupSteps: warmupSteps), main], milestones: [warmupSteps])
    }
}

/// Appends `{"step","epoch","name","value"}` lines and prints progress to stderr.
final class MetricsLog: TrainerCallback {
    let handle: FileHandle
    let batchesPerEpoch: Int
    let totalSteps: Int
    let batchSize: Int
    var started = Date()
    var lastPrint = Date.distantPast
    var firstStep: Int?
    let interactive = isatty(2) != 0

    init(url: URL, batchesPerEpoch: Int, totalSteps: Int, batchSize: Int) throws {
        if !FileManager.default.fileExists(atPath: url.path) { try Data().write(to: url) }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        self.batchesPerEpoch = batchesPerEpoch
        self.totalSteps = totalSteps
        self.batchSize = batchSize
    }

    /// Drops lines past `step` (a resumed run rewrites them).
    static func truncate(_ url: URL, after step: Int) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return }
        let kept = text.split(separator: "\n").filter { line in
            guard let data = line.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let s = object["step"] as? Int else { return false }
            return s <= step
        }
        try (kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).write(to: url, atomically: true, encoding: .utf8)
    }

    func write(step: Int, name: String, value: Double) {
        let epoch = Double(step) / Double(batchesPerEpoch)
        let v = value.isFinite ? "\(value)" : "null"
        handle.write(Data("{\"step\": \(step), \"epoch\": \(epoch), \"name\": \"\(name)\", \"value\": \(v)}\n".utf8))
    }

    func trainerDidEndStep(_ trainer: Trainer, record: StepRecord) throws {
        let step = record.step + 1
        if firstStep == nil { firstStep = record.step; started = Date(); lastPrint = started }
        write(step: step, name: "train/loss", value: record.loss)
        write(step: step, name: "train/accuracy", value: record.accuracy)
        write(step: step, name: "lr", value: record.learningRate)
        let now = Date()
        guard now.timeIntervalSince(lastPrint) >= (interactive ? 0.5 : 10) || step == totalSteps else { return }
        lastPrint = now
        let done = step - (firstStep ?? 0)
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done * batchSize) / elapsed : 0
        let eta = done > 0 ? elapsed / Double(done) * Double(totalSteps - step) : 0
        let line = String(format: "step %d/%d  %.0f images/s  loss %.4f  ETA %.0fs", step, totalSteps, rate, record.loss, eta)
        if interactive { FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8)) } else { Console.info(line) }
    }

    func trainerDidEvaluate(_ trainer: Trainer, evaluation: Evaluation) throws {
        write(step: evaluation.step, name: "test/loss", value: evaluation.loss)
        write(step: evaluation.step, name: "test/accuracy", value: evaluation.accuracy)
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        Console.info(String(format: "step %d: test/loss %.4f  test/accuracy %.4f", evaluation.step, evaluation.loss, evaluation.accuracy))
    }
}
