import Foundation
import XCTest
import WinnowTestSupport

/// `winnow bench infer`: the JSON contract, the onnxruntime peer, the free-batch copy and errors.
final class BenchInferCLITests: XCTestCase {
    nonisolated(unsafe) static var directory: URL!

    override class func setUp() {
        super.setUp()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-bench-infer-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    var directory: URL { Self.directory }

    /// A Pad → Conv → BatchNormalization → Relu → Conv + skip → GlobalAveragePool → Flatten → Gemm
    /// model with a batch fixed at 1 in the file (fixed.onnx) and a free one (free.onnx), plus a
    /// second int64 input added to the logits.
    func makeModels() throws {
        let python = try PythonOracle.execute("""
        import numpy as np, onnx
        from onnx import helper, TensorProto, numpy_helper
        rng = np.random.default_rng(3)
        def init(name, shape, scale=0.3):
            return numpy_helper.from_array((rng.normal(size=shape) * scale).astype(np.float32), name)
        inits = [init('w1', (6, 3, 3, 3)), init('g', (6,)), init('b', (6,)), init('m', (6,)),
                 numpy_helper.from_array(rng.uniform(0.5, 2, 6).astype(np.float32), 'v'),
                 init('w2', (3, 6, 3, 3)), init('fc', (4, 3)),
                 numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), 'pads')]
        nodes = [
            helper.make_node('Pad', ['x', 'pads'], ['p'], mode='constant'),
            helper.make_node('Conv', ['p', 'w1'], ['c1']),
            helper.make_node('BatchNormalization', ['c1', 'g', 'b', 'm', 'v'], ['n1']),
            helper.make_node('Relu', ['n1'], ['r1']),
            helper.make_node('Conv', ['r1', 'w2'], ['c2'], pads=[1, 1, 1, 1]),
            helper.make_node('Add', ['c2', 'x'], ['s']),
            helper.make_node('GlobalAveragePool', ['s'], ['gp']),
            helper.make_node('Flatten', ['gp'], ['f']),
            helper.make_node('Gemm', ['f', 'fc'], ['logits'], transB=1),
            helper.make_node('Cast', ['k'], ['kf'], to=TensorProto.FLOAT),
            helper.make_node('Add', ['logits', 'kf'], ['y']),
        ]
        for name, batch in (('fixed', 1), ('free', 'N')):
            graph = helper.make_graph(nodes, name,
                [helper.make_tensor_value_info('x', TensorProto.FLOAT, [batch, 3, 8, 8]),
                 helper.make_tensor_value_info('k', TensorProto.INT64, [batch, 1])],
                [helper.make_tensor_value_info('y', TensorProto.FLOAT, [batch, 4])], initializer=inits)
            onnx.save(helper.make_model(graph, ir_version=8, opset_imports=[helper.make_opsetid('', 17)]), name + '.onnx')
        """, name: "models", in: directory)
        XCTAssertEqual(python.status, 0, "python could not build the test models")
    }

    func object(_ result: CLIResult) throws -> [String: Any] {
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "stdout must hold exactly one JSON object, got: \(result.stdout)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func testJSONHasTheDocumentedFieldsAndBothRuntimesAgree() throws {
        try makeModels()
        let model = directory.appendingPathComponent("free.onnx").path
        let result = try CLI.run(["bench", "infer", model, "--batch", "3", "--threads", "1", "--warmups", "1", "--runs", "4", "--rounds", "2", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let o = try object(result)
        XCTAssertEqual(o["model"] as? String, model)
        XCTAssertEqual(o["batch"] as? Int, 3)
        XCTAssertEqual(o["threads"] as? Int, 1)
        XCTAssertEqual(o["free_axes_copy"] as? Bool, false)
        let winnow = try XCTUnwrap(o["winnow_ms"] as? Double)
        let peer = try XCTUnwrap(o["onnxruntime_ms"] as? Double)
        let ratio = try XCTUnwrap(o["ratio"] as? Double)
        XCTAssertGreaterThan(winnow, 0)
        XCTAssertGreaterThan(peer, 0)
        XCTAssertEqual(ratio, winnow / peer, accuracy: 1e-9 * ratio)
        let spread = try XCTUnwrap(o["winnow_spread_ms"] as? [Double])
        XCTAssertTrue(spread[0] <= winnow && winnow <= spread[1], "\(spread) around \(winnow)")
        XCTAssertGreaterThan(try XCTUnwrap(o["winnow_peak_rss_mb"] as? Double), 1)
        XCTAssertGreaterThan(try XCTUnwrap(o["onnxruntime_peak_rss_mb"] as? Double), 1)
        // Same inputs in both runtimes: the outputs agree.
        XCTAssertLessThanOrEqual(try XCTUnwrap(o["max_relative_difference"] as? Double), 1e-4)
        let inputs = try XCTUnwrap(o["inputs"] as? [String: [Int]])
        XCTAssertEqual(inputs["x"], [3, 3, 8, 8])
        XCTAssertEqual(inputs["k"], [3, 1])
        XCTAssertEqual(o["runs"] as? Int, 4)
    }

    func testFixedBatchGetsAFreeBatchCopyForBothRuntimes() throws {
        try makeModels()
        let model = directory.appendingPathComponent("fixed.onnx").path
        let result = try CLI.run(["bench", "infer", model, "--batch", "5", "--threads", "1", "--warmups", "1", "--runs", "2", "--rounds", "1", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let o = try object(result)
        XCTAssertEqual(o["free_axes_copy"] as? Bool, true)
        XCTAssertEqual(o["batch"] as? Int, 5)
        XCTAssertLessThanOrEqual(try XCTUnwrap(o["max_relative_difference"] as? Double), 1e-4)
        XCTAssertTrue(result.stderr.contains("copy"), result.stderr)
    }

    func testNoPeerMeasuresWinnowAloneAndAMissingPeerFails() throws {
        try makeModels()
        let model = directory.appendingPathComponent("free.onnx").path
        let alone = try CLI.run(["bench", "infer", model, "--no-peer", "--runs", "2", "--rounds", "1", "--warmups", "0", "--json", "--runner", "graph"])
        XCTAssertEqual(alone.status, 0, alone.stderr)
        let o = try object(alone)
        XCTAssertTrue(o["onnxruntime_ms"] is NSNull, "\(o)")
        XCTAssertTrue(o["ratio"] is NSNull, "\(o)")
        XCTAssertEqual(o["runner"] as? String, "graph")
        XCTAssertEqual(o["batch"] as? Int, 1)

        let missing = try CLI.run(["bench", "infer", model, "--python", "/nonexistent/python3", "--runs", "2", "--json"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stdout.isEmpty, missing.stdout)
        XCTAssertTrue(missing.stderr.contains("--no-peer"), missing.stderr)
    }

    func testBadOptionsExitWithTwo() throws {
        for arguments in [["--batch", "0"], ["--size", "64"], ["--size", "0x3"], ["--runs", "0"], ["--rounds", "5", "--runs", "4"], ["--runner", "fast"]] {
            let result = try CLI.run(["bench", "infer", "model.onnx"] + arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stdout.isEmpty)
        }
        let missing = try CLI.run(["bench", "infer", directory.appendingPathComponent("nope.onnx").path, "--no-peer"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("nope.onnx"), missing.stderr)
    }
}
