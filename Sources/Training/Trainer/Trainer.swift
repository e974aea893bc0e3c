import Datasets
import Foundation
import ModelGraph
import TensorCore

/// Trains a `Graph` in place: batches from a `DataLoader`, BatchNormalization in training mode,
/// an objective, optional gradient clipping, masks on gradients before each optimizer step and
/// on weights after it, callbacks, evaluation and step-exact snapshots. Every duration is
/// resolved to optimizer steps at construction (METHODS.md, Time base).
public final class Trainer {
    /// Settings besides the model, data, optimizer and schedule.
    public struct Configuration {
        /// How long to train.
        public var duration: TrainingDuration
        /// Global L2 norm the gradients are scaled down to (PyTorch's `clip_grad_norm_`); nil: no clipping.
        public var gradientClipNorm: Double?
        /// Evaluate on `evaluationData` this often (and after the last step); nil: only at the end.
        public var evaluateEvery: TrainingDuration?
        /// Write a snapshot into `snapshotDirectory` this often (and after the last step).
        public var snapshotEvery: TrainingDuration?
        public var snapshotDirectory: URL?
        /// After each snapshot the trainer writes, keep only the newest this many in
        /// `snapshotDirectory` (the one just written always stays); nil or 0: keep every one.
        public var keepSnapshots: Int?
        /// Seed of the streams the trainer itself draws (dropout); the loader has its own seed.
        public var seed: UInt64
        /// Graph input and output to use; nil: the first non-initializer input, the first output.
        public var inputName: String?
        public var outputName: String?

        public init(duration: TrainingDuration, gradientClipNorm: Double? = nil, evaluateEvery: TrainingDuration? = nil,
                    snapshotEvery: TrainingDuration? = nil, snapshotDirectory: URL? = nil, keepSnapshots: Int? = nil,
                    seed: UInt64 = 0, inputName: String? = nil, outputName: String? = nil) {
            self.duration = duration
            self.gradientClipNorm = gradientClipNorm
            self.evaluateEvery = evaluateEvery
            self.snapshotEvery = snapshotEvery
            self.snapshotDirectory = snapshotDirectory
            self.keepSnapshots = keepSnapshots
            self.seed = seed
            self.inputName = inputName
            self.outputName = outputName
        }
    }

    public let graph: Graph
    public let executor: Executor
    public let optimizer: any Optimizer
    public let schedule: any LearningRateSchedule
    public let objective: TrainingObjective
    public let data: DataLoader
    public let evaluationData: DataLoader?
    public let configuration: Configuration
    public let inputName: String
    public let outputName: String
    /// Optimizer steps in the whole run.
    public let totalSteps: Int
    /// Optimizer steps taken so far (the next step's index).
    public private(set) var step = 0
    /// Masks keyed by parameter name, same shape as the parameter (1 keeps, 0 prunes).
    public private(set) var masks: [String: Tensor] = [:]
    public var callbacks: [any TrainerCallback] = []
    /// The last evaluation, if any.
    public private(set) var lastEvaluation: Evaluation?

    private let evaluateInterval: Int?
    private let snapshotInterval: Int?

    /// Checks model, data and settings against each other before any step runs.
    public init(graph: Graph, data: DataLoader, optimizer: any Optimizer, schedule: any LearningRateSchedule,
                objective: TrainingObjective = .crossEntropy(.plain), evaluationData: DataLoader? = nil,
                configuration: Configuration) throws {
        self.graph = graph
        self.data = data
        self.optimizer = optimizer
        self.schedule = schedule
        self.objective = objective
        self.evaluationData = evaluationData
        self.configuration = configuration
        executor = try Executor(graph: graph)
        let feedable = graph.inputs.filter { graph.parameter(named: $0.name) == nil }
        guard let input = configuration.inputName.flatMap({ name in feedable.first { $0.name == name } }) ?? (configuration.inputName == nil ? feedable.first : nil) else {
            throw TrainingError.setup(detail: "the model has no input '\(configuration.inputName ?? "")' to feed images to; its inputs are \(feedable.map(\.name))")
        }
        guard feedable.count == 1 else {
            throw TrainingError.setup(detail: "the model has \(feedable.count) inputs \(feedable.map(\.name)); the trainer feeds one image input")
        }
        guard let output = configuration.outputName.flatMap({ name in graph.outputs.first { $0.name == name } }) ?? (configuration.outputName == nil ? graph.outputs.first : nil) else {
            throw TrainingError.setup(detail: "the model has no output '\(configuration.outputName ?? "")'; its outputs are \(graph.outputs.map(\.name))")
        }
        inputName = input.name
        outputName = output.name
        try Self.checkFit(input: input, output: output, source: data.source, role: "training data")
        if let evaluationData { try Self.checkFit(input: input, output: output, source: evaluationData.source, role: "evaluation data") }
        if case let .distillation(_, teacher, teacherOutput) = objective {
            guard let info = teacher.graph.outputs.first(where: { $0.name == teacherOutput }) else {
                throw TrainingError.setup(detail: "the teacher has no output '\(teacherOutput)'; its outputs are \(teacher.graph.outputs.map(\.name))")
            }
            if let classes = info.shape?.last?.value, let ours = output.shape?.last?.value, classes != ours {
                throw TrainingError.setup(detail: "the teacher predicts \(classes) classes, the student \(ours); distillation needs the same classes")
            }
            let teacherInputs = teacher.graph.inputs.filter { teacher.graph.parameter(named: $0.name) == nil }
            guard teacherInputs.count == 1 else {
                throw TrainingError.setup(detail: "the teacher has \(teacherInputs.count) inputs \(teacherInputs.map(\.name)); distillation feeds it the student's images through one input")
            }
            if let shape = teacherInputs[0].shape, shape.count == 4 {
                for (axis, name) in [(1, "channels"), (2, "height"), (3, "width")] {
                    if let size = shape[axis].value, size != data.source.sampleShape[axis - 1] {
                        throw TrainingError.setup(detail: "the teacher's input '\(teacherInputs[0].name)' takes \(size) \(name), the training data has \(data.source.sampleShape[axis - 1]) (samples are \(data.source.sampleShape)); use a teacher built for this data")
                    }
                }
            }
        }
        let perEpoch = data.batchesPerEpoch
        totalSteps = configuration.duration.steps(batchesPerEpoch: perEpoch)
        evaluateInterval = configuration.evaluateEvery.map { $0.steps(batchesPerEpoch: perEpoch) }
        snapshotInterval = configuration.snapshotEvery.map { $0.steps(batchesPerEpoch: perEpoch) }
        for (name, interval) in [("evaluateEvery", evaluateInterval), ("snapshotEvery", snapshotInterval)] {
            if let interval, interval < 1 {
                throw TrainingError.invalidHyperparameter(owner: "trainer", name: name, detail: "resolves to \(interval) steps; give at least one step")
            }
        }
        if let keep = configuration.keepSnapshots, keep < 0 {
            throw TrainingError.invalidHyperparameter(owner: "trainer", name: "keepSnapshots", detail: "is \(keep); give 0 (keep all) or a positive count")
        }
        if snapshotInterval != nil && configuration.snapshotDirectory == nil {
            throw TrainingError.setup(detail: "snapshotEvery is set but no snapshot directory is given")
        }
        try rehearse(input: input)
    }

    /// Runs the objective once, in training mode, on the first samples of the first batch and
    /// refuses before the first step what would fail there or never train: a teacher whose
    /// logits do not fit (a class count the graphs do not declare), and trainable parameters
    /// that no gradient reaches (`GradientReach`). Walking the recorded tape rather than the
    /// graph uses the operators' own differentiation, so no second list of which ONNX ops are
    /// differentiable can drift from it. Leaves no trace: weights and BatchNormalization
    /// statistics are put back, the loader rewound, no gradient kept.
    private func rehearse(input: ValueInfo) throws {
        let position = data.state
        let values = graph.initializers.map { ($0, $0.value) }
        defer {
            data.restore(position)
            for (parameter, value) in values { parameter.value = value; parameter.zeroGrad() }
        }
        let batch = try data.next()
        guard var labels = batch.labels else {
            throw TrainingError.setup(detail: "batch \(batch.batch) of epoch \(batch.epoch) has no labels")
        }
        var images = batch.images
        // Two samples show the structure; a graph with a fixed batch size gets the whole batch.
        if input.shape?.first?.value == nil, images.shape[0] > 2 {
            images = try images.sliced(starts: [0], ends: [2], axes: [0]).materialized()
            labels = try labels.sliced(starts: [0], ends: [2], axes: [0]).materialized()
        }
        let feeds = [inputName: images]
        let outputs = try executor.run(feeds, training: true, random: RandomStream(seed: configuration.seed, purpose: "rehearsal"))
        guard let logits = outputs[outputName] else {
            throw TrainingError.setup(detail: "the model produced no output '\(outputName)'")
        }
        let loss = try objective.losses(logits: logits, labels: labels, inputs: feeds).mean()
        let reached = GradientReach.reachedParameters(from: loss)
        let unreached = graph.initializers.filter { $0.requiresGrad && !reached.contains($0.name) }
        guard unreached.isEmpty else {
            let listed = unreached.prefix(8).map { parameter -> String in
                let readers = GradientReach.readers(of: parameter.name, in: graph)
                return "'\(parameter.name)' (read by \(readers.isEmpty ? "no node" : readers.prefix(3).joined(separator: ", ")))"
            }
            let more = unreached.count > 8 ? " and \(unreached.count - 8) more" : ""
            throw TrainingError.setup(detail: "no gradient reaches the trainable parameter(s) \(listed.joined(separator: ", "))\(more) from the loss on output '\(outputName)': every path from them runs through an operation without a derivative (ArgMax/ArgMin, Floor/Ceil/Round/Sign, a cast to an integer type, a comparison) or does not reach this output, so training would never change them; make the path differentiable, or remove or freeze those parameters")
        }
    }

    /// Refuses data whose sample shape, labels or class count the model cannot take.
    static func checkFit(input: ValueInfo, output: ValueInfo, source: any SampleSource, role: String) throws {
        if let shape = input.shape {
            guard shape.count == 4 else {
                throw TrainingError.setup(detail: "model input '\(input.name)' is \(input); the trainer feeds N×C×H×W images")
            }
            for (axis, name) in [(1, "channels"), (2, "height"), (3, "width")] {
                if let size = shape[axis].value, size != source.sampleShape[axis - 1] {
                    throw TrainingError.setup(detail: "model input '\(input.name)' takes \(size) \(name), the \(role) has \(source.sampleShape[axis - 1]) (samples are \(source.sampleShape)); use data of the model's size or a model built for it")
                }
            }
        }
        guard source.labels != nil else {
            throw TrainingError.setup(detail: "the \(role) has no labels; classification training needs a label for every sample")
        }
        if let classes = output.shape?.last?.value, classes != source.classNames.count {
            throw TrainingError.setup(detail: "model output '\(output.name)' has \(classes) classes, the \(role) has \(source.classNames.count) (\(source.classNames.prefix(12).joined(separator: ", "))); rebuild the model's last layer for this data")
        }
    }

    /// Sets the mask of parameter `name` (1 keeps, 0 prunes) and zeroes its pruned weights now.
    public func setMask(_ mask: Tensor, for name: String) throws {
        guard let parameter = graph.parameter(named: name) else {
            throw TrainingError.setup(detail: "no parameter '\(name)' to mask; the model's parameters are \(graph.initializers.filter(\.requiresGrad).map(\.name))")
        }
        guard mask.shape == parameter.value.shape else {
            throw TrainingError.setup(detail: "mask for '\(name)' has shape \(mask.shape), the parameter \(parameter.value.shape)")
        }
        let cast = try mask.cast(to: parameter.value.dtype).materialized()
        masks[name] = cast
        parameter.value = try noGrad { try parameter.value.multiplying(cast).materialized() }
    }

    /// Removes the mask of `name`.
    public func removeMask(for name: String) { masks[name] = nil }

    /// Trains until `totalSteps`, evaluating and snapshotting as configured.
    public func run() throws {
        while step < totalSteps { _ = try trainStep() }
    }

    /// Takes one optimizer step and runs what is due after it (epoch end, evaluation, snapshot).
    @discardableResult
    public func trainStep() throws -> StepRecord {
        for callback in callbacks { try callback.trainerWillBeginStep(self, step: step) }
        let batch = try data.next()
        guard let labels = batch.labels else {
            throw TrainingError.setup(detail: "batch \(batch.batch) of epoch \(batch.epoch) has no labels")
        }
        let value = schedule.value(at: step)
        optimizer.apply(value)
        for parameter in graph.initializers { parameter.zeroGrad() }
        let feeds = [inputName: batch.images]
        let outputs = try executor.run(feeds, training: true,
                                       random: RandomStream(seed: configuration.seed, purpose: "train", index: UInt64(step)))
        guard let logits = outputs[outputName] else {
            throw TrainingError.setup(detail: "the model produced no output '\(outputName)'")
        }
        let losses = try objective.losses(logits: logits, labels: labels, inputs: feeds)
        let loss = try losses.mean()
        try loss.backward()
        try applyMasksToGradients()
        if let limit = configuration.gradientClipNorm { try clipGradients(to: limit) }
        try optimizer.step(graph.initializers)
        try applyMasksToWeights()
        let samples = Self.records(ids: batch.ids, losses: losses.doubles(), logits: logits, labels: labels)
        let accuracy = samples.isEmpty ? 0 : Double(samples.filter(\.correct).count) / Double(samples.count)
        let record = StepRecord(step: step, epoch: batch.epoch, batch: batch.batch, loss: loss.doubles().first ?? .nan,
                                accuracy: accuracy, learningRate: value.learningRate, samples: samples)
        step += 1
        for callback in callbacks { try callback.trainerDidEndStep(self, record: record) }
        if batch.batch + 1 == data.batchesPerEpoch {
            for callback in callbacks { try callback.trainerDidEndEpoch(self, epoch: batch.epoch) }
        }
        if evaluationData != nil, step == totalSteps || evaluateInterval.map({ step % $0 == 0 }) == true {
            _ = try evaluate()
        }
        if let directory = configuration.snapshotDirectory,
           step == totalSteps || snapshotInterval.map({ step % $0 == 0 }) == true {
            let written = try saveSnapshot(in: directory)
            if let keep = configuration.keepSnapshots, keep > 0 {
                try TrainingSnapshot.prune(in: directory, keeping: keep, protecting: written)
            }
        }
        return record
    }

    /// Top-1 accuracy and mean loss (the objective's label term: plain cross-entropy) over
    /// `loader` (default: the evaluation data), in inference mode; tells the callbacks.
    @discardableResult
    public func evaluate(_ loader: DataLoader? = nil) throws -> Evaluation {
        guard let loader = loader ?? evaluationData else {
            throw TrainingError.setup(detail: "no evaluation data was given")
        }
        let saved = loader.state
        defer { loader.restore(saved) }
        loader.restore(EpochSampler.Position(epoch: 0, batch: 0))
        var lossSum = 0.0, correct = 0, count = 0
        for _ in 0..<loader.batchesPerEpoch {
            let batch = try loader.next()
            guard let labels = batch.labels else {
                throw TrainingError.setup(detail: "evaluation batch \(batch.batch) has no labels")
            }
            let outputs = try executor.run([inputName: batch.images], training: false)
            guard let logits = outputs[outputName] else {
                throw TrainingError.setup(detail: "the model produced no output '\(outputName)'")
            }
            let losses = try noGrad { try CrossEntropy.plain.losses(logits: logits, labels: labels) }
            for record in Self.records(ids: batch.ids, losses: losses.doubles(), logits: logits, labels: labels) {
                lossSum += record.loss
                if record.correct { correct += 1 }
                count += 1
            }
        }
        let evaluation = Evaluation(step: step, loss: count == 0 ? .nan : lossSum / Double(count),
                                    accuracy: count == 0 ? 0 : Double(correct) / Double(count), sampleCount: count)
        lastEvaluation = evaluation
        for callback in callbacks { try callback.trainerDidEvaluate(self, evaluation: evaluation) }
        return evaluation
    }

    /// Per-sample records from losses (N) and logits (N, K). A tie for the top logit counts as
    /// wrong unless the true class is the first of the tied ones (argmax's convention).
    static func records(ids: [SampleID], losses: [Double], logits: Tensor, labels: Tensor) -> [SampleRecord] {
        let values = logits.doubles()
        let truth = labels.doubles()
        let n = ids.count
        guard n > 0, values.count % n == 0 else { return [] }
        let k = values.count / n
        var out: [SampleRecord] = []
        out.reserveCapacity(n)
        for row in 0..<n {
            let label = Int(truth[row])
            var best = 0, other = -Double.infinity
            for j in 0..<k {
                let v = values[row * k + j]
                if v > values[row * k + best] { best = j }
                if j != label && v > other { other = v }
            }
            out.append(SampleRecord(id: ids[row], loss: losses[row], correct: best == label,
                                    margin: values[row * k + label] - other))
        }
        return out
    }

    private func applyMasksToGradients() throws {
        guard !masks.isEmpty else { return }
        try noGrad {
            for (name, mask) in masks {
                guard let parameter = graph.parameter(named: name), let grad = parameter.grad else { continue }
                parameter.grad = try grad.multiplying(mask).materialized()
            }
        }
    }

    private func applyMasksToWeights() throws {
        guard !masks.isEmpty else { return }
        try noGrad {
            for (name, mask) in masks {
                guard let parameter = graph.parameter(named: name) else { continue }
                parameter.value = try parameter.value.multiplying(mask).materialized()
            }
        }
    }

    /// Scales every gradient by `limit / (‖g‖ + 1e-6)` when the global norm exceeds `limit`.
    private func clipGradients(to limit: Double) throws {
        // Sorted names: the sum's order, and so its rounding, never depends on dictionary order.
        let parameters = graph.initializers.filter { $0.requiresGrad && $0.grad != nil }.sorted { $0.name < $1.name }
        var squares = 0.0
        for parameter in parameters {
            for g in parameter.grad?.doubles() ?? [] { squares += g * g }
        }
        let norm = squares.squareRoot()
        let coefficient = limit / (norm + 1e-6)
        guard coefficient < 1 else { return }
        try noGrad {
            for parameter in parameters {
                guard let grad = parameter.grad else { continue }
                parameter.grad = try grad.multiplying(coefficient).materialized()
            }
        }
    }

    // MARK: Snapshots

    /// The run's state now.
    public func snapshot() -> TrainingSnapshot {
        var weights: [String: StoredTensor] = [:]
        for parameter in graph.initializers { weights[parameter.name] = StoredTensor(parameter.value) }
        return TrainingSnapshot(format: TrainingSnapshot.formatVersion, step: step, totalSteps: totalSteps,
                                seed: configuration.seed, samplerSeed: data.sampler.seed, sampleCount: data.indices.count, batchSize: data.sampler.batchSize,
                                sampler: data.state, optimizer: optimizer.state, weights: weights,
                                masks: masks.mapValues { StoredTensor($0) })
    }

    /// Writes `snapshot()` into `directory` as `step-NNNNNNNN.json` and returns its URL.
    @discardableResult
    public func saveSnapshot(in directory: URL) throws -> URL {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.snapshot(path: directory.path, detail: "cannot create the snapshot folder: \(error)")
        }
        let url = directory.appendingPathComponent(TrainingSnapshot.fileName(step: step))
        try snapshot().write(to: url)
        return url
    }

    /// Continues from `snapshot`: weights, statistics, optimizer state, masks, sampler position
    /// and step. Refused when it belongs to other data, another seed or another model.
    public func restore(_ snapshot: TrainingSnapshot, source: String = "<memory>") throws {
        guard snapshot.seed == configuration.seed else {
            throw TrainingError.snapshot(path: source, detail: "was taken with seed \(snapshot.seed), this run has seed \(configuration.seed); resume with the same --seed")
        }
        guard snapshot.samplerSeed == data.sampler.seed else {
            throw TrainingError.snapshot(path: source, detail: "was taken with sampler seed \(snapshot.samplerSeed), this run's loader has \(data.sampler.seed); resume with the same --seed")
        }
        guard snapshot.sampleCount == data.indices.count, snapshot.batchSize == data.sampler.batchSize else {
            throw TrainingError.snapshot(path: source, detail: "was taken with \(snapshot.sampleCount) samples in batches of \(snapshot.batchSize), this run has \(data.indices.count) in batches of \(data.sampler.batchSize); resume with the same data and --batch")
        }
        guard snapshot.step >= 0, snapshot.step <= totalSteps else {
            throw TrainingError.snapshot(path: source, detail: "is at step \(snapshot.step), outside this run's 0...\(totalSteps) steps")
        }
        var values: [(Parameter, Tensor)] = []
        for parameter in graph.initializers {
            guard let stored = snapshot.weights[parameter.name] else {
                throw TrainingError.snapshot(path: source, detail: "holds no value for initializer '\(parameter.name)'; it was taken from another model")
            }
            let value = try stored.tensor()
            guard value.shape == parameter.value.shape, value.dtype == parameter.value.dtype else {
                throw TrainingError.snapshot(path: source, detail: "initializer '\(parameter.name)' is \(value.dtype)\(value.shape) there, \(parameter.value.dtype)\(parameter.value.shape) in the model")
            }
            values.append((parameter, value))
        }
        if let extra = snapshot.weights.keys.sorted().first(where: { graph.parameter(named: $0) == nil }) {
            throw TrainingError.snapshot(path: source, detail: "holds initializer '\(extra)' that the model lacks; it was taken from another model")
        }
        var restoredMasks: [String: Tensor] = [:]
        for (name, stored) in snapshot.masks {
            let mask = try stored.tensor()
            guard let parameter = graph.parameter(named: name), parameter.value.shape == mask.shape else {
                throw TrainingError.snapshot(path: source, detail: "mask '\(name)' fits no parameter of the model")
            }
            restoredMasks[name] = mask
        }
        try optimizer.restore(snapshot.optimizer)
        for (parameter, value) in values { parameter.value = value; parameter.zeroGrad() }
        masks = restoredMasks
        data.restore(snapshot.sampler)
        step = snapshot.step
    }

    /// Reads and restores the snapshot at `url`.
    public func restore(from url: URL) throws {
        try restore(try TrainingSnapshot.read(from: url), source: url.path)
    }
}
