import ArgumentParser
import Datasets
import Foundation
import ModelGraph
import ModelZoo
import ONNX
import TensorCore
import Training
#if canImport(Glibc)
import Glibc
#endif

/// `winnow bench train`: images per second of the trainer's real step on a zoo model, with
/// PyTorch timing the same network beside it when asked.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training speed of a zoo model (the trainer's real step), optionally against PyTorch.",
        discussion: """
        Times `Trainer.trainStep`, the code `winnow train` runs: a batch from the data loader, \
        the forward pass with BatchNormalization in training mode, cross-entropy, the backward \
        pass and SGD (momentum 0.9, Nesterov, weight decay 5e-4, learning rate 0.1). The data are \
        seeded standard-normal images with uniform random labels, so nothing but the model's \
        input shape matters. After the warm-up steps every step is timed on its own; the result \
        is the batch size over the median step time, with the spread ([min, max] and quartiles). \
        With --peer torch, a Python that imports torch (--python; torch is several GB: keep it \
        in a venv under /tmp) builds the same network from the same weights (exported to a \
        temporary ONNX file) and times the same step with the same thread count; the timed \
        steps run in up to 5 rounds that alternate between Winnow and PyTorch (0.1 s pause \
        between turns), so both see the same machine load. --json then adds \
        torch_images_per_second and ratio (Winnow over PyTorch; above 1 means Winnow is faster).
        """)

    @Option(name: .long, help: "Zoo model: \(BenchTrainPeer.models.joined(separator: ", ")).")
    var model = "resnet8"
    @Option(name: .long, help: "Batch size.")
    var batch = 128
    @Option(name: .long, help: "Timed steps (median reported).")
    var steps = 30
    @Option(name: .long, help: "Untimed steps first.")
    var warmups = 5
    @Option(name: .long, help: "Peer to time beside Winnow: torch.")
    var peer: String?
    @Option(name: .long, help: "Python for the peer (one that imports torch).")
    var python = "python3"
    @Flag(name: .long, help: "Print one JSON object on stdout (progress goes to stderr).")
    var json = false
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        guard BenchTrainPeer.models.contains(model) else {
            throw ValidationError("--model \(model): not a zoo classifier; use one of \(BenchTrainPeer.models.joined(separator: ", "))")
        }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard warmups >= 0 else { throw ValidationError("--warmups must be at least 0, got \(warmups)") }
        if let peer, peer != "torch" { throw ValidationError("--peer \(peer): the only peer is torch") }
    }

    func run() throws {
        try threadOptions.apply()
        let threads = Parallel.threads
        let entry = try ZooCatalog.entry(named: model)
        let graph = try ZooCatalog.build(model, seed: 0)
        let classes = entry.classes ?? 10
        let shape = [entry.channels, entry.size, entry.size]

        // The peer starts from the same weights: write them before Winnow's steps change them.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-bench-train-\(getpid())", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var weights: URL?
        if peer != nil {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let url = folder.appendingPathComponent("model.onnx")
            try ONNXExporter.save(graph, to: url)
            weights = url
        }

        // Seeded data: as many samples as the warm-up and timed steps draw, so every step sees new images.
        let count = batch * Swift.min(warmups + steps, 8)
        var stream = RandomStream(seed: 0, purpose: "bench-train")
        let images = try Tensor.normal([count] + shape, stream: &stream)
        var labelStream = RandomStream(seed: 0, purpose: "bench-train-labels")
        let draws = try Tensor.uniform([count], low: 0, high: Double(classes), stream: &labelStream).doubles()
        let dataset = try Dataset(images: images, ids: (0..<count).map { SampleID(source: "bench", index: $0) },
                                  labels: draws.map { Swift.min(classes - 1, Int($0)) },
                                  classNames: (0..<classes).map { "class\($0)" })
        let loader = try DataLoader(source: dataset, batchSize: batch, seed: 0, dropLast: true)
        let optimizer = try SGD(.init(learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4))
        let trainer = try Trainer(graph: graph, data: loader, optimizer: optimizer, schedule: try ConstantSchedule(learningRate: 0.1),
                                  configuration: .init(duration: .steps(warmups + steps), seed: 0))

        // The peer loads the same weights and runs its warm-up steps before Winnow starts.
        var peerProcess: BenchTrainPeer?
        if peer != nil, let weights {
            Console.info("bench train: starting the torch peer with \(python) ...")
            peerProcess = try BenchTrainPeer(python: python, model: model, batch: batch, warmups: warmups, threads: threads,
                                             weights: weights, folder: folder)
        }
        defer { peerProcess?.stop() }

        let rounds = peerProcess == nil ? 1 : Swift.min(5, steps)
        Console.info("bench train: \(model), batch \(batch) of \(shape.map(String.init).joined(separator: "x")), \(threads) thread(s), \(warmups) warm-up + \(steps) timed steps\(peerProcess == nil ? "" : " in \(rounds) rounds alternating with torch")")
        var lastLoss = Double.nan
        for _ in 0..<warmups { lastLoss = try trainer.trainStep().loss }
        var times: [Double] = [], peerTimes: [Double] = []
        for round in 0..<rounds {
            let count = (round + 1) * steps / rounds - round * steps / rounds
            for _ in 0..<count {
                let start = Timing.monotonicSeconds()
                let record = try trainer.trainStep()
                times.append(Timing.monotonicSeconds() - start)
                lastLoss = record.loss
            }
            if let peerProcess {
                usleep(100_000)
                peerTimes += try peerProcess.run(steps: count).map { $0 / 1000 }
                usleep(100_000)
                Console.info(String(format: "  round %d/%d: winnow %.1f ms, torch %.1f ms (medians so far)", round + 1, rounds,
                                    Timings.median(times) * 1000, Timings.median(peerTimes) * 1000))
            }
        }
        guard lastLoss.isFinite else {
            throw ValidationError("the loss is not finite after \(warmups + steps) steps (\(lastLoss)); the benchmark's step is broken")
        }
        let median = Timings.median(times)
        let imagesPerSecond = Double(batch) / median
        Console.info(String(format: "  winnow: %.1f images/s (step %.1f ms, spread %.1f-%.1f ms)", imagesPerSecond,
                            median * 1000, (times.min() ?? 0) * 1000, (times.max() ?? 0) * 1000))
        let torchMedian = peerTimes.isEmpty ? nil : Timings.median(peerTimes)
        let torchRate = torchMedian.map { Double(batch) / $0 }
        if let torchRate, let torchMedian {
            Console.info(String(format: "  torch: %.1f images/s (step %.1f ms, spread %.1f-%.1f ms); ratio winnow/torch %.2f", torchRate,
                                torchMedian * 1000, (peerTimes.min() ?? 0) * 1000, (peerTimes.max() ?? 0) * 1000, imagesPerSecond / torchRate))
        }
        var load = [Double](repeating: 0, count: 3)
        _ = getloadavg(&load, 3)

        let ms = times.map { $0 * 1000 }
        var fields: [(String, JSONValue)] = [
            ("model", .string(model)), ("batch", .integer(batch)), ("images_per_second", .number(imagesPerSecond)),
            ("step_ms", .number(median * 1000)),
            ("step_spread_ms", .array([.number(ms.min() ?? 0), .number(ms.max() ?? 0)])),
            ("step_quartiles_ms", .array(Timings.quartiles(ms).map { .number($0) })),
            ("threads", .integer(threads)), ("steps", .integer(steps)), ("warmups", .integer(warmups)),
            ("parameters", .integer(graph.initializers.filter(\.requiresGrad).reduce(0) { $0 + $1.value.count })),
        ]
        if let torchRate, let peerProcess {
            let torchMs = peerTimes.map { $0 * 1000 }
            fields += [
                ("torch_images_per_second", .number(torchRate)),
                ("ratio", .number(imagesPerSecond / torchRate)),
                ("torch_step_ms", .number(Timings.median(torchMs))),
                ("torch_step_spread_ms", .array([.number(torchMs.min() ?? 0), .number(torchMs.max() ?? 0)])),
                ("torch_step_quartiles_ms", .array(Timings.quartiles(torchMs).map { .number($0) })),
                ("torch_version", .string(peerProcess.version)),
                ("rounds", .integer(rounds)),
            ]
        }
        fields.append(("blas_core", .string(BLASCore.coreName)))
        fields.append(("load_average", .array(load.map { .number($0) })))
        if json {
            Console.output(JSONValue.object(fields).serialized)
        } else {
            var line = String(format: "%@ batch %d: %.1f images/s", model, batch, imagesPerSecond)
            if let torchRate { line += String(format: ", torch %.1f images/s, ratio %.2f", torchRate, imagesPerSecond / torchRate) }
            Console.output(line)
        }
    }
}
