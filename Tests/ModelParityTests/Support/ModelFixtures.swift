import Foundation
import XCTest
import WinnowTestSupport
import ModelGraph
import ONNX
import TensorCore

/// The models scripts/make-test-models.py builds with pip `onnx`, with their onnxruntime outputs,
/// generated once per test process into a temporary folder (never committed).
struct ModelFixtures: Sendable {
    struct Case: Decodable, Sendable {
        let name: String
        let inputs: [String: String]
        let outputs: [String: String]
    }
    struct Model: Decodable, Sendable {
        let name: String
        let file: String
        let description: String
        let irVersion: Int
        let opset: Int
        let cases: [Case]
    }
    private struct Manifest: Decodable { let models: [Model] }

    struct GenerationError: Error, CustomStringConvertible {
        let description: String
    }

    let directory: URL
    let models: [String: Model]
    /// Set when ../shared/models/effnet-lite0.onnx was found and its cases were written.
    let effnetPath: String?

    /// The repository root (this file is Tests/ModelParityTests/Support/ModelFixtures.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// effnet-lite0 from `$WINNOW_SHARED/models` or `<repo>/../shared/models`, if present.
    static var effnetURL: URL? {
        var candidates: [URL] = []
        if let shared = ProcessInfo.processInfo.environment["WINNOW_SHARED"], !shared.isEmpty {
            candidates.append(URL(fileURLWithPath: shared).appendingPathComponent("models/effnet-lite0.onnx"))
        }
        candidates.append(packageRoot.deletingLastPathComponent().appendingPathComponent("shared/models/effnet-lite0.onnx"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Generated on first use; every test of the process shares it.
    static let shared: Result<ModelFixtures, GenerationError> = Result { try generate() }.mapError {
        ($0 as? GenerationError) ?? GenerationError(description: "\($0)")
    }

    static func get() throws -> ModelFixtures { try shared.get() }

    private static func generate() throws -> ModelFixtures {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("winnow-model-parity-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        fixtureDirectoryForCleanup = strdup(directory.path)
        atexit {
            if let path = fixtureDirectoryForCleanup { try? FileManager.default.removeItem(atPath: String(cString: path)) }
        }
        let script = packageRoot.appendingPathComponent("scripts/make-test-models.py")
        var arguments = [directory.path]
        let effnet = effnetURL
        if let effnet { arguments += ["--effnet", effnet.path] }
        let python = try PythonOracle.execute(file: script, arguments: arguments)
        guard python.status == 0 else {
            throw GenerationError(description: "\((["python3", script.path] + arguments).joined(separator: " ")) exited with \(python.status) (needs python3 with onnx, onnxruntime, numpy):\n\(python.stderr)")
        }
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
        var models: [String: Model] = [:]
        for model in manifest.models { models[model.name] = model }
        return ModelFixtures(directory: directory, models: models, effnetPath: effnet?.path)
    }

    func model(_ name: String) throws -> Model {
        guard let model = models[name] else {
            throw GenerationError(description: "make-test-models.py wrote no model '\(name)' (has: \(models.keys.sorted()))")
        }
        return model
    }

    func url(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
    }

    /// Imports `model` with Winnow's importer.
    func load(_ model: Model) throws -> Graph {
        try ONNXImporter.load(contentsOf: url(model.file))
    }

    func inputs(_ testCase: Case) throws -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for (name, file) in testCase.inputs { feeds[name] = try NPY.read(contentsOf: url(file)) }
        return feeds
    }

    func outputs(_ testCase: Case) throws -> [String: Tensor] {
        var expected: [String: Tensor] = [:]
        for (name, file) in testCase.outputs { expected[name] = try NPY.read(contentsOf: url(file)) }
        return expected
    }
}

nonisolated(unsafe) private var fixtureDirectoryForCleanup: UnsafeMutablePointer<CChar>?

/// Largest absolute difference and the reference's largest magnitude.
struct Discrepancy: CustomStringConvertible {
    var maxAbsDifference: Double
    var referenceMagnitude: Double
    var worstIndex: Int
    var actualAtWorst: Double
    var expectedAtWorst: Double
    var relative: Double { maxAbsDifference / max(referenceMagnitude, .leastNormalMagnitude) }
    var description: String {
        "max |Δ| \(maxAbsDifference) at flat index \(worstIndex) (got \(actualAtWorst), onnxruntime \(expectedAtWorst)); largest |reference| \(referenceMagnitude); relative \(relative)"
    }

    init(actual: Tensor, expected: Tensor) {
        let a = actual.doubles(), e = expected.doubles()
        maxAbsDifference = 0; referenceMagnitude = 0; worstIndex = 0; actualAtWorst = 0; expectedAtWorst = 0
        for i in e.indices {
            referenceMagnitude = max(referenceMagnitude, abs(e[i]))
            let d = abs(a[i] - e[i])
            if d > maxAbsDifference || d.isNaN {
                maxAbsDifference = d.isNaN ? .infinity : d
                worstIndex = i; actualAtWorst = a[i]; expectedAtWorst = e[i]
            }
        }
    }
}
