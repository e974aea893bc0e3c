import ArgumentParser
import Foundation
import ModelGraph
import ONNX
import TensorCore
#if canImport(Glibc)
import Glibc
#endif

/// `winnow bench infer MODEL.onnx`: Winnow's inference latency against onnxruntime's on the same
/// file, inputs and thread count, measured in one run.
struct BenchInferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Inference latency of Winnow against onnxruntime (same file, inputs and threads).",
        discussion: """
        Both runtimes get the same seeded random inputs (floats uniform in [-1, 1], integers in \
        [0, 1000)), two distinct sets used in turn, so no call sees the input of the call before. \
        After the warm-ups, the timed calls run in rounds that alternate between Winnow and \
        onnxruntime (a Python subprocess, intra_op_num_threads = --threads), so both see the same \
        machine load, with a 0.1 s pause before each turn so neither runs beside the other's \
        spinning worker threads. The reported times are medians; the spread is [min, max] and the quartiles. \
        When a graph input's batch (or, with --size, its height and width) is fixed in the file \
        and the option asks for another, a copy with free axes is written and both runtimes run \
        that copy. Peak memory is the maximum resident set size of each process (Winnow's \
        measured before the peer starts reading its own inputs). --json prints one object: \
        model, batch, winnow_ms, onnxruntime_ms, ratio (winnow_ms / onnxruntime_ms) and the rest.
        """)

    @Argument(help: "The ONNX model file.")
    var model: String

    @Option(name: .long, help: "Batch size (axis 0 of every graph input). Default: the file's, or 1 when it is free.")
    var batch: Int?

    @Option(name: .long, help: "Height and width of rank-4 inputs, as HxW (e.g. 64x64). Default: the file's.")
    var size: String?

    @Option(name: .long, help: "Untimed calls before timing, per runtime.")
    var warmups = 5

    @Option(name: .long, help: "Timed calls per runtime (median reported).")
    var runs = 30

    @Option(name: .long, help: "Rounds the timed calls are split into, alternating between the runtimes (default: 5, at most --runs).")
    var rounds: Int?

    var roundCount: Int { rounds ?? Swift.min(5, runs) }

    @Option(name: .long, help: "Seed of the random inputs.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Python interpreter for the onnxruntime peer.")
    var python = "python3"

    @Flag(name: .long, help: "Measure Winnow alone (no onnxruntime peer).")
    var noPeer = false

    @Option(name: .long, help: "Winnow's runner: 'plan' (the execution plan with fusions) or 'graph' (the node-by-node executor).")
    var runner = "plan"

    @Option(name: .long, help: "After timing, profile this many extra Winnow calls node by node and print the time per op type and the slowest nodes on stderr.")
    var profile = 0

    @Flag(name: .long, help: "Print one JSON object on stdout (progress still goes to stderr).")
    var json = false

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
        guard warmups >= 0 else { throw ValidationError("--warmups must be at least 0, got \(warmups)") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1, got \(runs)") }
        if let rounds, rounds < 1 || rounds > runs { throw ValidationError("--rounds must lie in 1...--runs (\(runs)), got \(rounds)") }
        if size != nil, try parsedSize() == nil { throw ValidationError("--size must be HxW with positive integers (e.g. 64x64), got '\(size!)'") }
        guard ["plan", "graph"].contains(runner) else { throw ValidationError("--runner must be 'plan' or 'graph', got '\(runner)'") }
    }

    func parsedSize() throws -> (Int, Int)? {
        guard let size else { return nil }
        let parts = size.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let h = Int(parts[0]), let w = Int(parts[1]), h >= 1, w >= 1 else { return nil }
        return (h, w)
    }

    func run() throws {
        try threadOptions.apply()
        let threads = Parallel.threads
        let rounds = roundCount
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        var modelPath = model
        var graph = try ONNXImporter.load(contentsOf: URL(fileURLWithPath: model))
        let spatial = try parsedSize()
        let shapes = try Self.inputShapes(graph, batch: batch, size: spatial)
        if shapes.needsCopy {
            let copy = folder.appendingPathComponent("model-free-axes.onnx")
            Self.freeAxes(graph, batch: shapes.freeBatch, spatial: shapes.freeSpatial)
            try ONNXExporter.save(graph, to: copy)
            modelPath = copy.path
            graph = try ONNXImporter.load(contentsOf: copy)
            Console.info("bench infer: the file fixes \(shapes.freeBatch ? "the batch" : "")\(shapes.freeBatch && shapes.freeSpatial ? " and " : "")\(shapes.freeSpatial ? "the image size" : ""); both runtimes run a copy with free axes")
        }
        let batchSize = shapes.shapes.values.first { !$0.isEmpty }?.first ?? 1

        // Two distinct input sets, written as NPY for the peer.
        var sets: [[String: Tensor]] = []
        var files: [[String: String]] = []
        for index in 0..<2 {
            var feeds: [String: Tensor] = [:], paths: [String: String] = [:]
            for info in graph.inputs {
                guard let shape = shapes.shapes[info.name] else { continue }
                var stream = RandomStream(seed: seed, purpose: "bench-infer:\(info.name)", index: UInt64(index))
                let value = try Self.randomInput(shape: shape, dtype: info.dtype ?? .float32, stream: &stream, input: info.name)
                let file = folder.appendingPathComponent("input\(index)_\(feeds.count).npy")
                try NPY.write(value, to: file)
                feeds[info.name] = value
                paths[info.name] = file.path
            }
            sets.append(feeds)
            files.append(paths)
        }
        let shapeText = graph.inputs.compactMap { info in shapes.shapes[info.name].map { "\(info.name) \($0)" } }.joined(separator: ", ")
        Console.info("bench infer: \(model), \(shapeText), \(threads) thread(s), runner \(runner), \(warmups) warm-ups, \(runs) timed calls in \(rounds) round(s)")

        let forward: ([String: Tensor]) throws -> [String: Tensor]
        if runner == "plan" {
            let plan = try ExecutionPlan(graph: graph)
            forward = { try plan.run($0) }
        } else {
            let executor = try Executor(graph: graph)
            forward = { try executor.run($0) }
        }
        for call in 0..<warmups { _ = try forward(sets[call % 2]) }
        let reference = try forward(sets[0])
        let winnowRSS = Self.peakResidentBytes()

        var peer: OnnxRuntimePeer? = nil
        var ready: OnnxRuntimePeer.Ready? = nil
        if !noPeer {
            let started = try OnnxRuntimePeer(python: python, model: modelPath, threads: threads, warmups: warmups, inputSets: files, folder: folder)
            ready = try started.waitUntilReady()
            peer = started
        }

        var winnowTimes: [Double] = [], peerTimes: [Double] = []
        var call = 0
        for round in 0..<rounds {
            let count = (round + 1) * runs / rounds - round * runs / rounds
            // Both runtimes keep worker threads spinning briefly after a call; a pause before
            // each turn lets the other's spinners go to sleep, so neither runs beside them.
            Thread.sleep(forTimeInterval: Self.turnPause)
            for i in 0..<count {
                let feeds = sets[(call + i) % 2]
                let start = Timing.monotonicSeconds()
                _ = try forward(feeds)
                winnowTimes.append((Timing.monotonicSeconds() - start) * 1e3)
            }
            if let peer {
                Thread.sleep(forTimeInterval: Self.turnPause)
                peerTimes += try peer.run(count: count, first: call)
            }
            call += count
            Console.info("  round \(round + 1)/\(rounds): winnow \(Self.format(Timings.median(Array(winnowTimes.suffix(count))))) ms"
                         + (peer != nil ? ", onnxruntime \(Self.format(Timings.median(Array(peerTimes.suffix(count))))) ms" : ""))
        }
        let peerRSS = try peer?.finish()
        if profile > 0 { try Self.profile(graph: graph, runner: runner, sets: sets, calls: profile) }

        // Outputs of input set 0 from both runtimes: the largest difference relative to the largest value.
        var difference: Double? = nil
        if let ready {
            var worst = 0.0
            for (name, path) in ready.outputs {
                guard let mine = reference[name] else { continue }
                let theirs = try NPY.read(contentsOf: URL(fileURLWithPath: path))
                guard theirs.shape == mine.shape else {
                    throw ValidationError("output \(name): Winnow gives shape \(mine.shape), onnxruntime \(theirs.shape)")
                }
                let a = mine.doubles(), b = theirs.doubles()
                let scale = Swift.max(b.map { Swift.abs($0) }.max() ?? 0, 1e-30)
                for (x, y) in zip(a, b) { worst = Swift.max(worst, Swift.abs(x - y) / scale) }
            }
            difference = worst
        }

        var load = [Double](repeating: 0, count: 3)
        _ = getloadavg(&load, 3)
        let winnowMs = Timings.median(winnowTimes)
        let peerMs = peerTimes.isEmpty ? nil : Timings.median(peerTimes)
        let result = JSONValue.object([
            ("model", .string(model)),
            ("batch", .integer(batchSize)),
            ("size", spatial.map { .string("\($0.0)x\($0.1)") } ?? .null),
            ("inputs", .object(graph.inputs.compactMap { info in shapes.shapes[info.name].map { (info.name, .array($0.map { .integer($0) })) } })),
            ("threads", .integer(threads)),
            ("runner", .string(runner)),
            ("winnow_ms", .number(winnowMs)),
            ("onnxruntime_ms", peerMs.map { .number($0) } ?? .null),
            ("ratio", peerMs.map { .number(winnowMs / $0) } ?? .null),
            ("winnow_spread_ms", .array([.number(winnowTimes.min() ?? 0), .number(winnowTimes.max() ?? 0)])),
            ("onnxruntime_spread_ms", peerTimes.isEmpty ? .null : .array([.number(peerTimes.min()!), .number(peerTimes.max()!)])),
            ("winnow_quartiles_ms", .array(Timings.quartiles(winnowTimes).map { .number($0) })),
            ("onnxruntime_quartiles_ms", peerTimes.isEmpty ? .null : .array(Timings.quartiles(peerTimes).map { .number($0) })),
            ("winnow_peak_rss_mb", .number(Double(winnowRSS) / 1048576)),
            ("onnxruntime_peak_rss_mb", peerRSS.map { .number(Double($0) / 1048576) } ?? .null),
            ("max_relative_difference", difference.map { .number($0) } ?? .null),
            ("onnxruntime_version", ready.map { .string($0.version) } ?? .null),
            ("warmups", .integer(warmups)),
            ("runs", .integer(runs)),
            ("rounds", .integer(rounds)),
            ("load_average", .array(load.map { .number($0) })),
            ("free_axes_copy", .bool(shapes.needsCopy)),
        ])
        if json {
            Console.output(result.serialized)
        } else {
            var lines = ["model \(model)  batch \(batchSize)  threads \(threads)  load \(load.map { Self.format($0) }.joined(separator: " "))",
                         "winnow       \(Self.format(winnowMs)) ms  [\(Self.format(winnowTimes.min() ?? 0)), \(Self.format(winnowTimes.max() ?? 0))]  peak RSS \(Self.format(Double(winnowRSS) / 1048576)) MiB"]
            if let peerMs {
                lines.append("onnxruntime  \(Self.format(peerMs)) ms  [\(Self.format(peerTimes.min()!)), \(Self.format(peerTimes.max()!))]  peak RSS \(Self.format(Double(peerRSS ?? 0) / 1048576)) MiB")
                lines.append("ratio        \(Self.format(winnowMs / peerMs))   max relative difference \(String(format: "%.2e", difference ?? 0))")
            }
            Console.output(lines.joined(separator: "\n"))
        }
    }

    /// Times every node over `calls` calls (between successive observer calls, so a node's time
    /// includes the executor's bookkeeping for it) and prints totals per op type and the top nodes.
    static func profile(graph: Graph, runner: String, sets: [[String: Tensor]], calls: Int) throws {
        // Steps of the plan (a fused step counts once, under its fused label) or single nodes.
        var labels: [String] = [], kinds: [String] = []
        var perStep: [Double] = []
        var total = 0.0
        let plan = runner == "plan" ? try ExecutionPlan(graph: graph) : nil
        let executor = runner == "plan" ? nil : try Executor(graph: graph)
        if let plan { _ = try plan.run(sets[0]) }
        for call in 0..<calls {
            var last = Timing.monotonicSeconds()
            let start = last
            let record: (Int) -> Void = { index in
                let now = Timing.monotonicSeconds()
                if index >= perStep.count { perStep += [Double](repeating: 0, count: index + 1 - perStep.count) }
                perStep[index] += now - last
                last = now
            }
            if let plan {
                _ = try plan.run(sets[call % 2], profiler: record)
            } else {
                _ = try executor!.run(sets[call % 2], observer: { node, _, _ in record(node) })
            }
            total += Timing.monotonicSeconds() - start
        }
        if let plan {
            labels = plan.stepLabels
            kinds = zip(plan.stepLabels, plan.stepNodes).map { label, nodes in nodes.count > 1 ? label : graph.nodes[nodes[0]].opType }
            labels = zip(plan.stepLabels, plan.stepNodes).map { label, nodes in nodes.count > 1 ? "\(label) → \(graph.nodes[nodes.last!].label)" : label }
        } else {
            labels = graph.nodes.map(\.label)
            kinds = graph.nodes.map(\.opType)
        }
        var perType: [String: (Double, Int)] = [:]
        for (index, time) in perStep.enumerated() where time > 0 && index < kinds.count {
            perType[kinds[index], default: (0, 0)].0 += time
            perType[kinds[index], default: (0, 0)].1 += 1
        }
        let scale = 1e3 / Double(calls)
        Console.info(String(format: "profile (%d calls, %.3f ms per call):", calls, total * scale))
        for (type, (time, count)) in perType.sorted(by: { $0.value.0 > $1.value.0 }) {
            Console.info("  " + type.padding(40) + String(format: " %4d steps %9.3f ms %5.1f%%", count, time * scale, 100 * time / total))
        }
        Console.info("  slowest steps:")
        for index in perStep.indices.sorted(by: { perStep[$0] > perStep[$1] }).prefix(15) where index < labels.count {
            Console.info(String(format: "  %9.3f ms  ", perStep[index] * scale) + labels[index])
        }
    }

    /// Seconds between one runtime's turn and the other's.
    static let turnPause = 0.1

    /// Concrete input shapes, and whether the file's fixed axes must be freed in a copy.
    struct InputShapes {
        var shapes: [String: [Int]] = [:]
        var freeBatch = false
        var freeSpatial = false
        var needsCopy: Bool { freeBatch || freeSpatial }
    }

    static func inputShapes(_ graph: Graph, batch: Int?, size: (Int, Int)?) throws -> InputShapes {
        var result = InputShapes()
        for info in graph.inputs {
            guard let declared = info.shape else {
                throw ValidationError("graph input '\(info.name)' declares no shape; bench infer needs one to make its inputs")
            }
            var shape: [Int] = []
            for (axis, dim) in declared.enumerated() {
                var value = dim.value
                if axis == 0 {
                    if let batch {
                        if let fixed = value, fixed != batch { result.freeBatch = true }
                        value = batch
                    } else if value == nil {
                        value = 1
                    }
                } else if declared.count == 4 && axis >= 2, let size {
                    let wanted = axis == 2 ? size.0 : size.1
                    if let fixed = value, fixed != wanted { result.freeSpatial = true }
                    value = wanted
                }
                guard let value else {
                    throw ValidationError("graph input '\(info.name)' axis \(axis) is free (\(dim)) in \(declared); give its size with --size HxW (height and width) or --batch (axis 0)")
                }
                shape.append(value)
            }
            result.shapes[info.name] = shape
        }
        return result
    }

    /// Declares the batch (and the height and width of rank-4 values) of every graph input and
    /// output free, and forgets the intermediate shapes, so the copy runs at any size.
    static func freeAxes(_ graph: Graph, batch: Bool, spatial: Bool) {
        func freed(_ info: ValueInfo) -> ValueInfo {
            guard var shape = info.shape, !shape.isEmpty else { return info }
            if batch { shape[0] = .symbolic("N") }
            if spatial && shape.count == 4 { shape[2] = .symbolic("H"); shape[3] = .symbolic("W") }
            return ValueInfo(name: info.name, dtype: info.dtype, shape: shape)
        }
        graph.inputs = graph.inputs.map(freed)
        graph.outputs = graph.outputs.map(freed)
        graph.valueInfo = [:]
    }

    static func randomInput(shape: [Int], dtype: DType, stream: inout RandomStream, input: String) throws -> Tensor {
        switch dtype {
        case .float32, .float64, .float16:
            let value = try Tensor.uniform(shape, low: -1, high: 1, dtype: dtype == .float16 ? .float32 : dtype, stream: &stream)
            return dtype == .float16 ? try value.cast(to: .float16) : value
        case .int64, .int32, .int8, .uint8:
            let bound = dtype == .int8 ? 128 : 1000
            var values: [Int64] = []
            for _ in 0..<Shape.count(shape) { values.append(Int64(stream.nextInt(below: bound))) }
            return try Tensor(shape: shape, scalars: values).cast(to: dtype)
        case .bool:
            var values: [Bool] = []
            for _ in 0..<Shape.count(shape) { values.append(stream.nextInt(below: 2) == 1) }
            return try Tensor(shape: shape, scalars: values)
        }
    }

    /// Peak resident set size of this process: VmHWM where /proc has it (ru_maxrss of a process
    /// started by exec can carry its parent's peak), else ru_maxrss.
    static func peakResidentBytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                if let kilobytes = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") { return kilobytes * 1024 }
            }
        }
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    static func format(_ value: Double) -> String { String(format: value < 10 ? "%.3f" : "%.1f", value) }
}
