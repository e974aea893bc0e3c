import Foundation
import ModelGraph
import TensorCore

/// Runs ONNX backend conformance tests (`DIR/test_*/model.onnx` with `test_data_set_*/input_*.pb`
/// and `output_*.pb`) through the importer and the executor.
///
/// Every test directory counts exactly once. A test is skipped only when it is listed as
/// nondeterministic or when its model uses an op type with no implementation at all; anything
/// else that goes wrong (a missing version, dtype, attribute, rank, an import error, a wrong
/// value) fails it. Tests run one after another and each is isolated: an error ends that test only.
public struct ConformanceRunner: Sendable {
    public var registry: OperatorRegistry
    /// Test names skipped as `nondeterministic: listed`.
    public var nondeterministic: Set<String>
    public var tolerance: ConformanceTolerance

    public init(registry: OperatorRegistry = .builtIn, nondeterministic: Set<String> = [],
                tolerance: ConformanceTolerance = ConformanceTolerance()) {
        self.registry = registry
        self.nondeterministic = nondeterministic
        self.tolerance = tolerance
    }

    /// The test directories under `directory` (those holding a `model.onnx`), sorted by name,
    /// keeping those whose name contains `filter` when one is given.
    public static func testDirectories(in directory: URL, filter: String? = nil) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue,
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw ConformanceError.notADirectory(path: directory.path)
        }
        var tests: [URL] = []
        for name in names.sorted() {
            if let filter, !filter.isEmpty, !name.contains(filter) { continue }
            let url = directory.appendingPathComponent(name, isDirectory: true)
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("model.onnx").path) { tests.append(url) }
        }
        return tests
    }

    /// Runs every test under `directory` (name containing `filter`, when given). `progress` is
    /// called after each test.
    public func run(directory: URL, filter: String? = nil,
                    progress: ((ConformanceTestResult) -> Void)? = nil) throws -> ConformanceSummary {
        var results: [ConformanceTestResult] = []
        for test in try Self.testDirectories(in: directory, filter: filter) {
            let result = runTest(at: test)
            progress?(result)
            results.append(result)
        }
        return ConformanceSummary(tests: results)
    }

    /// Runs the test in `directory`; never throws (errors become the failure reason).
    public func runTest(at directory: URL) -> ConformanceTestResult {
        let name = directory.lastPathComponent
        if nondeterministic.contains(name) {
            return ConformanceTestResult(name: name, status: .skipped, reason: "nondeterministic: listed")
        }
        do {
            return try evaluate(directory, name: name)
        } catch {
            return ConformanceTestResult(name: name, status: .failed, reason: Self.shorten("\(error)"))
        }
    }

    func evaluate(_ directory: URL, name: String) throws -> ConformanceTestResult {
        let modelURL = directory.appendingPathComponent("model.onnx")
        let model = try ONNXReader.read(contentsOf: modelURL)
        var opTypes: [(domain: String, opType: String)] = []
        Self.collectOpTypes(model.graph, into: &opTypes)
        for op in opTypes where !registry.isRegistered(op.opType, domain: op.domain) {
            let qualified = op.domain.isEmpty || op.domain == "ai.onnx" ? op.opType : "\(op.domain).\(op.opType)"
            return ConformanceTestResult(name: name, status: .skipped, reason: "op not registered: \(qualified)")
        }
        let graph = try ONNXImporter.graph(from: model, source: modelURL.path)
        let executor = try Executor(graph: graph, registry: registry)

        let initializerNames = Set(model.graph.initializers.map(\.name))
        let inputNames = model.graph.inputs.map(\.name).filter { !initializerNames.contains($0) }
        let outputNames = model.graph.outputs.map(\.name)
        let dataSets = try Self.dataSets(in: directory)
        guard !dataSets.isEmpty else { return ConformanceTestResult(name: name, status: .failed, reason: "no test_data_set_* folder") }

        for dataSet in dataSets {
            let setName = dataSet.lastPathComponent
            let inputs = try Self.tensors(in: dataSet, prefix: "input_")
            let expected = try Self.tensors(in: dataSet, prefix: "output_")
            guard inputs.count <= inputNames.count else {
                return ConformanceTestResult(name: name, status: .failed,
                                             reason: "\(setName): \(inputs.count) input files for \(inputNames.count) graph inputs")
            }
            guard expected.count == outputNames.count else {
                return ConformanceTestResult(name: name, status: .failed,
                                             reason: "\(setName): \(expected.count) output files for \(outputNames.count) graph outputs")
            }
            var feeds: [String: Tensor] = [:]
            for (index, tensor) in inputs.enumerated() { feeds[inputNames[index]] = tensor }
            let outputs = try executor.run(feeds)
            for (index, outputName) in outputNames.enumerated() {
                guard let actual = outputs[outputName] else {
                    return ConformanceTestResult(name: name, status: .failed, reason: "\(setName): output '\(outputName)' was not produced")
                }
                if let difference = tolerance.mismatch(actual: actual, expected: expected[index]) {
                    return ConformanceTestResult(name: name, status: .failed,
                                                 reason: Self.shorten("\(setName): output '\(outputName)': \(difference)"))
                }
            }
        }
        return ConformanceTestResult(name: name, status: .passed)
    }

    /// Every (domain, op type) used by `graph` and its subgraphs, in first-use order.
    static func collectOpTypes(_ graph: ONNXGraphProto, into list: inout [(domain: String, opType: String)]) {
        for node in graph.nodes {
            if !list.contains(where: { $0.domain == node.domain && $0.opType == node.opType }) {
                list.append((node.domain, node.opType))
            }
            for (_, attribute) in node.attributes.sorted(by: { $0.key < $1.key }) {
                switch attribute {
                case let .graph(subgraph): collectOpTypes(subgraph, into: &list)
                case let .graphs(subgraphs): for subgraph in subgraphs { collectOpTypes(subgraph, into: &list) }
                default: break
                }
            }
        }
    }

    /// The `test_data_set_<n>` folders of a test, in numeric order.
    static func dataSets(in directory: URL) throws -> [URL] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let sets = names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("test_data_set_"), let n = Int(name.dropFirst("test_data_set_".count)) else { return nil }
            return (n, name)
        }
        return sets.sorted { $0.0 < $1.0 }.map { directory.appendingPathComponent($0.1, isDirectory: true) }
    }

    /// The tensors `<prefix><n>.pb` of a data set, in numeric order (the graph's input/output order).
    static func tensors(in dataSet: URL, prefix: String) throws -> [Tensor] {
        let names = try FileManager.default.contentsOfDirectory(atPath: dataSet.path)
        let files = names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix(prefix), name.hasSuffix(".pb"),
                  let n = Int(name.dropFirst(prefix.count).dropLast(3)) else { return nil }
            return (n, name)
        }.sorted { $0.0 < $1.0 }
        for (position, file) in files.enumerated() where file.0 != position {
            throw ConformanceError.invalidTestData(path: dataSet.appendingPathComponent(file.1).path,
                                                   detail: "the \(prefix)*.pb files are not numbered 0, 1, 2, …")
        }
        return try files.map { file in
            let url = dataSet.appendingPathComponent(file.1)
            return try ONNXReader.readTensorProto(contentsOf: url).makeTensor(source: url.path)
        }
    }

    /// One line, at most 300 characters.
    static func shorten(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return line.count > 300 ? String(line.prefix(297)) + "..." : line
    }
}

extension ConformanceRunner {
    /// The repository's committed list of nondeterministic tests, located from this source
    /// file (Winnow is built from a checkout, so the file is there).
    public static var committedNondeterministicList: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/conformance/nondeterministic.txt")
    }
}
