import Foundation
import ModelGraph
import TensorCore
import XCTest
import WinnowTestSupport
@testable import ONNX

/// Import, export, and onnxruntime gives the same outputs as on the original file (issue 8).
final class RoundTripTests: XCTestCase {
    private func compare(_ original: URL, _ exported: URL, input: String, shape: [Int], in directory: URL,
                         file: StaticString = #filePath, line: UInt = #line) throws {
        let output = try PythonOracle.run(TestModels.compareScript, name: "compare", in: directory,
                                          arguments: [original.path, exported.path, input] + shape.map(String.init))
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], file: file, line: line)
        let scale = try XCTUnwrap(result["scale"] as? Double, file: file, line: line)
        XCTAssertGreaterThan(scale, 0, file: file, line: line)
        // The same weights and ops: equal up to onnxruntime's own rounding of a changed graph
        // (folded constants).
        XCTAssertLessThanOrEqual(try XCTUnwrap(result["max_abs_diff"] as? Double, file: file, line: line), 1e-6 * max(scale, 1),
                                 file: file, line: line)
    }

    /// Parameter values of two graphs, by name.
    private func assertSameParameters(_ a: Graph, _ b: Graph, folded: Set<String> = [], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.initializers.map(\.name), b.initializers.map(\.name), file: file, line: line)
        for parameter in a.initializers {
            guard let other = b.parameter(named: parameter.name) else { continue }
            XCTAssertEqual(parameter.value.dtype, other.value.dtype, parameter.name, file: file, line: line)
            XCTAssertEqual(parameter.value.shape, other.value.shape, parameter.name, file: file, line: line)
            XCTAssertEqual(ONNXTensor(name: "", tensor: parameter.value), ONNXTensor(name: "", tensor: other.value),
                           parameter.name, file: file, line: line)
            // A constant folded at import is an initializer like any other in the exported file.
            if !folded.contains(parameter.name) {
                XCTAssertEqual(parameter.requiresGrad, other.requiresGrad, parameter.name, file: file, line: line)
            }
        }
    }

    func testLegacyStyleModel() throws {
        let directory = try makeTemporaryDirectory(self)
        try TestModels.build(in: directory)
        let original = directory.appendingPathComponent("cnn.onnx")
        for fold in [true, false] {
            let graph = try ONNXImporter.load(contentsOf: original, options: .init(foldConstants: fold))
            let exported = directory.appendingPathComponent("cnn-\(fold).onnx")
            try ONNXExporter.save(graph, to: exported)
            try compare(original, exported, input: "input", shape: [2, 3, 8, 8], in: directory)
            let model = try ONNXReader.read(contentsOf: exported)
            XCTAssertEqual(model.irVersion, 8)
            XCTAssertEqual(model.opsetImports, [ONNXOpsetImport(domain: "", version: 17)])
            XCTAssertEqual(model.graph.inputs, [ONNXValueInfo(name: "input", elementType: .float,
                                                              dims: [.symbolic("N"), .known(3), .known(8), .known(8)])])
            XCTAssertEqual(model.graph.valueInfo, [ONNXValueInfo(name: "flat", elementType: .float, dims: [.symbolic("N"), .known(8)])])
            XCTAssertEqual(model.graph.nodes.contains { $0.opType == "Constant" }, !fold)
            XCTAssertTrue(model.graph.initializers.allSatisfy { $0.data.fieldName == "raw_data" })
            // Importing the export gives the same parameters.
            let again = try ONNXImporter.load(contentsOf: exported, options: .init(foldConstants: fold))
            let fileInitializers = Set(try ONNXReader.read(contentsOf: original).graph.initializers.map(\.name))
            assertSameParameters(graph, again, folded: Set(graph.initializers.map(\.name)).subtracting(fileInitializers))
            XCTAssertEqual(again.nodes.map(\.opType), graph.nodes.map(\.opType))
            XCTAssertEqual(again.nodes.map(\.name), graph.nodes.map(\.name))
        }
    }

    func testDynamoStyleModelWithExternalData() throws {
        let directory = try makeTemporaryDirectory(self)
        try TestModels.build(in: directory)
        let original = directory.appendingPathComponent("dynamo.onnx")
        let graph = try ONNXImporter.load(contentsOf: original)
        let outFolder = directory.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        let exported = outFolder.appendingPathComponent("dynamo.onnx")
        try ONNXExporter.save(graph, to: exported, externalDataThreshold: 64)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: outFolder.path)), ["dynamo.onnx", "dynamo.onnx.data"])
        try compare(original, exported, input: "x", shape: [3, 3, 6, 6], in: directory)
        let model = try ONNXReader.read(contentsOf: exported, externalData: .keepReferences)
        XCTAssertEqual(model.irVersion, 10)
        XCTAssertEqual(model.opsetImports, [ONNXOpsetImport(domain: "", version: 18)])
        XCTAssertEqual(model.graph.nodes.map(\.name).first, "/layer1/conv/Conv")
        let external = model.graph.initializers.filter { $0.data.fieldName == "external data" }.map(\.name)
        XCTAssertEqual(Set(external), ["conv.weight", "head.weight"])
        assertSameParameters(graph, try ONNXImporter.load(contentsOf: exported), folded: ["axes"])
    }

    /// effnet-lite0 from ../shared (absent in a fresh clone: skipped then).
    func testEffnetLite0() throws {
        let original = URL(fileURLWithPath: "/work/shared/models/effnet-lite0.onnx")
        guard FileManager.default.fileExists(atPath: original.path) else { throw XCTSkip("\(original.path) is absent") }
        let directory = try makeTemporaryDirectory(self)
        let graph = try ONNXImporter.load(contentsOf: original)
        let exported = directory.appendingPathComponent("effnet.onnx")
        try ONNXExporter.save(graph, to: exported, externalDataThreshold: 1024)
        try compare(original, exported, input: "image", shape: [1, 3, 64, 64], in: directory)
        let model = try ONNXReader.read(contentsOf: exported, externalData: .keepReferences)
        XCTAssertEqual(model.irVersion, 8)
        XCTAssertEqual(model.graph.inputs.first?.dims, [.symbolic("N"), .known(3), .symbolic("H"), .symbolic("W")])
    }
}
