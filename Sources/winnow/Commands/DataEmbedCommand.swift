import ArgumentParser
import Datasets
import Foundation
import TensorCore
#if canImport(Glibc)
import Glibc
#endif

/// `winnow data embed POOL [--model M.onnx --output features --size 64] --out FEATURES.npy`.
struct DataEmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed every sample of a pool with an ONNX image encoder; features are cached on disk.",
        discussion: """
        Default model: effnet-lite0.onnx from $WINNOW_MODELS, $WINNOW_SHARED/models or ../shared/models, output 'features' \
        (1280 values), input (pixel/255 - 0.5)/0.5 resized to --size (bilinear, half-pixel). \
        Writes FEATURES (N×D Float32 NPY, pool order) and FEATURES.json. The cache (default \
        $XDG_CACHE_HOME/winnow/features or ~/.cache/winnow/features) is keyed by model SHA-256, \
        output, preprocessing, sample id and the sample's pixels, so a second run reads it.
        """)

    @Argument(help: "The pool folder.")
    var pool: String

    @Option(name: .long, help: "The ONNX encoder (default: effnet-lite0.onnx, see above).")
    var model: String?

    @Option(name: .long, help: "The graph output to use as features.")
    var output = "features"

    @Option(name: .long, help: "Model input side in pixels (samples are resized bilinearly).")
    var size = 64

    @Option(name: .long, help: "Per-channel mean after scaling pixels to [0, 1].")
    var mean = "0.5,0.5,0.5"

    @Option(name: .long, help: "Per-channel standard deviation after scaling pixels to [0, 1].")
    var std = "0.5,0.5,0.5"

    @Option(name: .long, help: "Samples per model run.")
    var batch = 64

    @Option(name: .long, help: "Feature cache folder.")
    var cache: String?

    @Flag(name: .long, help: "Neither read nor write the feature cache.")
    var noCache = false

    @Option(name: .long, help: "Output .npy file for the N×D features.")
    var out: String

    @Flag(name: .long, help: "Print one JSON object on stdout (progress still goes to stderr).")
    var json = false

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        try threadOptions.apply()
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        let source = try PackedPool.open(URL(fileURLWithPath: pool))
        let modelURL = try model.map { URL(fileURLWithPath: $0) } ?? Embedder.defaultModel()
        let preprocessing = try Embedder.Preprocessing(size: size, scale: source.dtype == .uint8 ? 1.0 / 255 : 1,
                                                       mean: DataSupport.doubles(mean, option: "--mean").map { Float($0) },
                                                       standardDeviation: DataSupport.doubles(std, option: "--std").map { Float($0) })
        let embedder = try Embedder(model: modelURL, output: output, preprocessing: preprocessing)
        var featureCache: FeatureCache?
        if !noCache {
            let root = cache.map { URL(fileURLWithPath: $0) } ?? Self.defaultCacheRoot()
            featureCache = try FeatureCache(root: root, key: .init(modelSHA256: embedder.modelSHA256, output: output,
                                                                   preprocessing: preprocessing.description))
        }
        Console.info("embed: \(source.count) samples of \(pool) with \(modelURL.path) (\(output), \(size)x\(size), batch \(batch))"
                     + (featureCache.map { ", cache \($0.directory.path) holding \($0.count)" } ?? ""))
        let reporter = ProgressReporter(label: "embed", unit: "samples")
        let (features, report) = try embedder.features(of: source, batchSize: batch, cache: featureCache) { done, total, seconds in
            reporter.update(done: done, total: total, seconds: seconds)
        }
        reporter.finish()
        let outURL = URL(fileURLWithPath: out)
        try NPY.write(features, to: outURL)
        let rate = report.computed > 0 ? Double(report.computed) / report.seconds : 0
        let sidecar: JSONValue = .object([
            ("pool", .string(URL(fileURLWithPath: pool).path)),
            ("pool_pixels_sha256", .string(source.manifest.pixelsSHA256)),
            ("model", .string(modelURL.path)), ("model_sha256", .string(embedder.modelSHA256)),
            ("output", .string(output)), ("preprocessing", .string(preprocessing.description)),
            ("count", .integer(features.shape[0])), ("dimension", .integer(features.shape[1])),
        ])
        try Data((sidecar.serialized + "\n").utf8).write(to: URL(fileURLWithPath: out + ".json"), options: .atomic)
        Console.info(String(format: "embed: %d cached, %d computed in %.1f s (%.1f samples/s) -> %@", report.cached, report.computed,
                            report.seconds, rate, outURL.path))
        if json {
            Console.output(JSONValue.object([
                ("count", .integer(features.shape[0])), ("dimension", .integer(features.shape[1])),
                ("cached", .integer(report.cached)), ("computed", .integer(report.computed)),
                ("seconds", .number(report.seconds)), ("samples_per_second", .number(rate)),
                ("model_sha256", .string(embedder.modelSHA256)), ("out", .string(outURL.path)),
            ]).serialized)
        }
    }

    static func defaultCacheRoot() -> URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: env["HOME"] ?? NSTemporaryDirectory()).appendingPathComponent(".cache")
        return base.appendingPathComponent("winnow/features")
    }
}

/// Rate and ETA on stderr: one rewritten line on a terminal, plain lines (every 10%) otherwise.
final class ProgressReporter {
    let label: String, unit: String
    let terminal = isatty(2) != 0
    var lastDecile = -1
    var wrote = false

    init(label: String, unit: String) { self.label = label; self.unit = unit }

    func update(done: Int, total: Int, seconds: Double) {
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let eta = remaining >= 60 ? String(format: "%dm%02ds", Int(remaining) / 60, Int(remaining) % 60) : String(format: "%.0fs", remaining)
        let text = String(format: "%@ %d/%d %@  %.1f %@/s  ETA %@", label, done, total, unit, rate, unit, eta)
        if terminal {
            let line = "\r" + text + "   "
            line.utf8CString.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, $0.count - 1) }
            wrote = true
        } else {
            let decile = total > 0 ? done * 10 / total : 10
            if decile != lastDecile { lastDecile = decile; Console.info(text) }
        }
    }

    func finish() { if terminal && wrote { Console.info("") } }
}
