import Foundation
import XCTest
import ModelGraph
import ONNX
import TensorCore

/// Real-model parity (issue 8, "Real models"): models built with pip `onnx` in the styles of
/// PyTorch's legacy and dynamo exporters, and ../shared's effnet-lite0, imported with Winnow's
/// importer and run by the executor, match onnxruntime within 1e-4 of the output's largest
/// magnitude, at batch 1 and batch 3 (the batch axis is symbolic).
final class ModelParityTests: XCTestCase {
    static let tolerance = 1e-4

    /// Imports `name`, runs every case and compares every output with onnxruntime's.
    func checkParity(_ name: String, tolerance: Double = ModelParityTests.tolerance,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let fixtures = try ModelFixtures.get()
        let model = try fixtures.model(name)
        let graph: Graph
        do {
            graph = try fixtures.load(model)
        } catch {
            return XCTFail("\(name) (\(model.description)): import failed: \(error)", file: file, line: line)
        }
        XCTAssertEqual(graph.irVersion, model.irVersion, "\(name): IR version kept", file: file, line: line)
        XCTAssertEqual(graph.opset(for: ""), model.opset, "\(name): opset kept", file: file, line: line)
        let executor: Executor
        do {
            executor = try Executor(graph: graph)
        } catch {
            return XCTFail("\(name): the executor refused the imported graph: \(error)", file: file, line: line)
        }
        for testCase in model.cases {
            let feeds = try fixtures.inputs(testCase)
            let expected = try fixtures.outputs(testCase)
            let outputs: [String: Tensor]
            do {
                outputs = try executor.run(feeds)
            } catch {
                XCTFail("\(name) case \(testCase.name): run failed: \(error)", file: file, line: line)
                continue
            }
            XCTAssertEqual(Set(outputs.keys), Set(expected.keys), "\(name) case \(testCase.name): output names", file: file, line: line)
            for (outputName, reference) in expected.sorted(by: { $0.key < $1.key }) {
                guard let actual = outputs[outputName] else { continue }
                guard actual.shape == reference.shape, actual.dtype == reference.dtype else {
                    XCTFail("\(name) case \(testCase.name) output '\(outputName)': got \(actual.dtype)\(actual.shape), onnxruntime \(reference.dtype)\(reference.shape)", file: file, line: line)
                    continue
                }
                let discrepancy = Discrepancy(actual: actual, expected: reference)
                XCTAssertGreaterThan(discrepancy.referenceMagnitude, 0, "\(name): a zero reference output compares nothing", file: file, line: line)
                XCTAssertLessThanOrEqual(discrepancy.relative, tolerance,
                                         "\(name) case \(testCase.name) output '\(outputName)': \(discrepancy)", file: file, line: line)
            }
        }
    }

    func testLegacyResNetWithBatchNormalizationFoldedIntoConv() throws { try checkParity("resnet_legacy") }

    func testLegacyResNetWithRunningStatistics() throws { try checkParity("resnet_legacy_bn") }

    func testDynamoResNetWithExternalData() throws { try checkParity("resnet_dynamo") }

    func testUNetWithMatMulAttentionAndInt64Timesteps() throws { try checkParity("unet_matmul") }

    func testUNetWithEinsumAttentionAndFloatTimesteps() throws { try checkParity("unet_einsum") }

    func testGradientCheckModelFloat32() throws { try checkParity("grad_small") }

    /// Float64 end to end; the reference comes from pip onnx's reference evaluator.
    func testGradientCheckModelFloat64() throws { try checkParity("grad_small_f64", tolerance: 1e-12) }

    /// The UNets in Float64 against the reference evaluator.
    func testUNetsFloat64() throws {
        try checkParity("unet_matmul_f64", tolerance: 1e-10)
        try checkParity("unet_einsum_f64", tolerance: 1e-10)
    }

    /// ../shared/models/effnet-lite0.onnx at 64x64 and 224x224, batch 2, inputs uniform in [-1, 1].
    func testEffNetLite0() throws {
        let fixtures = try ModelFixtures.get()
        guard fixtures.effnetPath != nil else {
            throw XCTSkip("effnet-lite0.onnx not found at ../shared/models (or $WINNOW_SHARED/models); the effnet parity check needs it")
        }
        try checkParity("effnet")
    }

    /// The importer keeps exporter names: anonymous `onnx::Conv_*` initializers and `Conv_4`-style
    /// nodes (legacy), `/layer1/conv1/Conv` paths (dynamo), so masks and snapshots can name them.
    func testExporterNamesSurviveImport() throws {
        let fixtures = try ModelFixtures.get()
        let legacy = try fixtures.load(fixtures.model("resnet_legacy"))
        XCTAssertTrue(legacy.initializers.contains { $0.name.hasPrefix("onnx::Conv_") }, "\(legacy.initializers.map(\.name))")
        XCTAssertTrue(legacy.nodes.contains { $0.name == "Conv_1" && $0.opType == "Conv" && $0.inputs.count == 3 }, "\(legacy.nodes.map(\.name))")
        XCTAssertFalse(legacy.nodes.contains { $0.opType == "BatchNormalization" })
        let dynamo = try fixtures.load(fixtures.model("resnet_dynamo"))
        XCTAssertTrue(dynamo.nodes.contains { $0.name == "/layer1/conv1/Conv" }, "\(dynamo.nodes.map(\.name))")
        // Every weight came from the external .data file.
        let weight = try XCTUnwrap(dynamo.parameter(named: "layer2.conv1.weight"))
        XCTAssertEqual(weight.value.shape, [16, 8, 3, 3])
        XCTAssertGreaterThan(weight.value.doubles().map(abs).max() ?? 0, 0)
    }
}
