import Foundation
import XCTest
import WinnowTestSupport

/// `winnow infer` and `winnow inspect` on a small model pip `onnx` builds, with onnxruntime as
/// the oracle, and every kind of bad input the issue names.
final class InferInspectCLITests: XCTestCase {
    nonisolated(unsafe) static var directory: URL!

    override class func setUp() {
        super.setUp()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-infer-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    var directory: URL { Self.directory }

    func python(_ code: String) throws {
        let python = try PythonOracle.execute(code, name: "snippet", in: directory)
        if python.status != 0 {
            XCTFail("python failed: \(python.stderr)")
            throw CocoaError(.featureUnsupported)
        }
    }

    /// A Conv → Relu → GlobalAveragePool → Flatten → Gemm model with two outputs whose names
    /// need sanitising, a dynamic batch axis, and onnxruntime's outputs for batch 3.
    func makeModel() throws {
        try python("""
        import numpy as np, onnx, onnxruntime as ort
        from onnx import helper, TensorProto, numpy_helper
        rng = np.random.default_rng(7)
        w = numpy_helper.from_array(rng.normal(size=(4, 3, 3, 3)).astype(np.float32), 'onnx::Conv_1')
        b = numpy_helper.from_array(np.zeros(4, np.float32), 'onnx::Conv_2')
        g = numpy_helper.from_array(rng.normal(size=(5, 4)).astype(np.float32), 'fc.weight')
        nodes = [
            helper.make_node('Conv', ['input:0', 'onnx::Conv_1', 'onnx::Conv_2'], ['c'], name='/conv/Conv', pads=[1, 1, 1, 1]),
            helper.make_node('Relu', ['c'], ['features/relu:0'], name='/relu/Relu'),
            helper.make_node('GlobalAveragePool', ['features/relu:0'], ['p'], name='/pool/GlobalAveragePool'),
            helper.make_node('Flatten', ['p'], ['f'], name='/Flatten'),
            helper.make_node('Gemm', ['f', 'fc.weight'], ['logits out'], name='/fc/Gemm', transB=1),
        ]
        graph = helper.make_graph(nodes, 'tiny',
            [helper.make_tensor_value_info('input:0', TensorProto.FLOAT, ['N', 3, 8, 8])],
            [helper.make_tensor_value_info('logits out', TensorProto.FLOAT, ['N', 5]),
             helper.make_tensor_value_info('features/relu:0', TensorProto.FLOAT, ['N', 4, 8, 8])],
            initializer=[w, b, g])
        model = helper.make_model(graph, ir_version=8, opset_imports=[helper.make_opsetid('', 17)])
        onnx.checker.check_model(model)
        onnx.save(model, 'tiny.onnx')
        x = rng.uniform(-1, 1, size=(3, 3, 8, 8)).astype(np.float32)
        np.save('x.npy', x)
        np.save('x64.npy', x.astype(np.float64))
        np.save('x_bad_shape.npy', x[:, :2])
        out = ort.InferenceSession('tiny.onnx').run(None, {'input:0': x})
        np.save('ref_logits.npy', out[0]); np.save('ref_features.npy', out[1])
        bad = helper.make_model(helper.make_graph([helper.make_node('FancyOp', ['input:0'], ['y'], name='the_fancy_node')], 'bad',
            [helper.make_tensor_value_info('input:0', TensorProto.FLOAT, [1])],
            [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1])]), ir_version=8, opset_imports=[helper.make_opsetid('', 17)])
        onnx.save(bad, 'unknown_op.onnx')
        fixed = onnx.load('tiny.onnx')
        for v in list(fixed.graph.input) + list(fixed.graph.output):
            v.type.tensor_type.shape.dim[0].ClearField('dim_param')
            v.type.tensor_type.shape.dim[0].dim_value = 1
        onnx.save(fixed, 'fixed_batch.onnx')
        data = open('tiny.onnx', 'rb').read()
        open('truncated.onnx', 'wb').write(data[:len(data) // 2])
        open('garbage.onnx', 'wb').write(bytes(range(256)) * 8)
        open('garbage.npy', 'wb').write(b'\\x93NUMPY\\x01\\x00' + b'\\xff' * 40)
        """)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testInferMatchesOnnxRuntimeAndSanitisesNames() throws {
        try makeModel()
        let out = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: out.appendingPathComponent("other.txt"))
        let result = try CLI.run(["infer", path("tiny.onnx"), "--input", "input:0=\(path("x.npy"))", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        XCTAssertEqual(files, ["other.txt", "logits_out.npy", "features_relu_0.npy"])
        try python("""
        import numpy as np
        for mine, ref in [('out/logits_out.npy', 'ref_logits.npy'), ('out/features_relu_0.npy', 'ref_features.npy')]:
            a, b = np.load(mine), np.load(ref)
            assert a.shape == b.shape and a.dtype == b.dtype, (mine, a.shape, b.shape)
            err = np.abs(a - b).max() / max(np.abs(b).max(), 1e-30)
            assert err < 1e-5, (mine, err)
        """)
    }

    func testBatchOverrideRunsAFixedBatchModelAtAnotherBatchSize() throws {
        try makeModel()
        let out = directory.appendingPathComponent("out-batch")
        let refused = try CLI.run(["infer", path("fixed_batch.onnx"), "--input", path("x.npy"), "--out", out.path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("axis 0 must be 1"), refused.stderr)
        let result = try CLI.run(["infer", path("fixed_batch.onnx"), "--input", path("x.npy"), "--out", out.path, "--batch", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        try python("""
        import numpy as np
        a, b = np.load('out-batch/logits_out.npy'), np.load('ref_logits.npy')
        assert a.shape == (3, 5) and np.abs(a - b).max() <= 1e-5 * np.abs(b).max(), (a.shape, np.abs(a - b).max())
        """)
    }

    func testInspectReportsShapesOpsParametersAndMACs() throws {
        try makeModel()
        let result = try CLI.run(["inspect", path("tiny.onnx"), "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["parameters"] as? Int, 4 * 3 * 9 + 4 + 5 * 4)
        // Conv: 4·8·8 outputs × 3·3·3 taps; Gemm: 5 outputs × 4 inputs (batch 1).
        XCTAssertEqual(object["macs"] as? Int, 4 * 64 * 27 + 5 * 4)
        XCTAssertEqual(object["effective_macs"] as? Int, object["macs"] as? Int, "no zero weights, so every MAC is effective")
        XCTAssertEqual(object["nonzero_parameters"] as? Int, 4 * 3 * 9 + 5 * 4, "the conv bias is all zeros")
        let bytes = try FileManager.default.attributesOfItem(atPath: path("tiny.onnx"))[.size] as? Int
        XCTAssertEqual(object["file_bytes"] as? Int, bytes)
        XCTAssertEqual(object["ops"] as? [String: Int], ["Conv": 1, "Relu": 1, "GlobalAveragePool": 1, "Flatten": 1, "Gemm": 1])
        XCTAssertEqual(object["checker"] as? String, "passed")
        let inputs = try XCTUnwrap(object["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.first?["name"] as? String, "input:0")
        XCTAssertEqual((inputs.first?["shape"] as? [Any])?.count, 4)
        let initializers = try XCTUnwrap(object["initializers"] as? [[String: Any]])
        let bias = try XCTUnwrap(initializers.first { $0["name"] as? String == "onnx::Conv_2" })
        XCTAssertEqual(bias["sparsity"] as? Double, 1.0)
        let text = try CLI.run(["inspect", path("tiny.onnx"), "--batch", "2"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("MACs at batch 2: \(2 * (4 * 64 * 27 + 5 * 4))"), text.stdout)
    }

    func testBadInputGivesClearErrorsAndExitCodes() throws {
        try makeModel()
        let out = path("bad-out")
        func expectFailure(_ arguments: [String], mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
            let result = try CLI.run(arguments)
            XCTAssertTrue(result.status == 1 || result.status == 2, "exit \(result.status) for \(arguments): \(result.stderr)", file: file, line: line)
            for word in mentions {
                XCTAssertTrue(result.stderr.contains(word), "'\(word)' not in: \(result.stderr)", file: file, line: line)
            }
        }
        try expectFailure(["infer", path("missing.onnx"), "--input", "x=\(path("x.npy"))", "--out", out], mentions: ["missing.onnx", "no such file"])
        try expectFailure(["infer", path("truncated.onnx"), "--input", "x=\(path("x.npy"))", "--out", out], mentions: ["truncated.onnx"])
        try expectFailure(["infer", path("garbage.onnx"), "--input", "x=\(path("x.npy"))", "--out", out], mentions: ["garbage.onnx"])
        try expectFailure(["infer", path("unknown_op.onnx"), "--input", "input:0=\(path("x.npy"))", "--out", out], mentions: ["FancyOp", "the_fancy_node"])
        try expectFailure(["infer", path("tiny.onnx"), "--input", "nope=\(path("x.npy"))", "--out", out], mentions: ["nope", "input:0"])
        try expectFailure(["infer", path("tiny.onnx"), "--input", "input:0=\(path("x_bad_shape.npy"))", "--out", out], mentions: ["input:0", "axis 1"])
        try expectFailure(["infer", path("tiny.onnx"), "--input", "input:0=\(path("x64.npy"))", "--out", out], mentions: ["input:0", "float64"])
        try expectFailure(["infer", path("tiny.onnx"), "--input", "input:0=\(path("garbage.npy"))", "--out", out], mentions: ["garbage.npy"])
        try expectFailure(["infer", path("tiny.onnx"), "--input", "input:0=\(path("nothing.npy"))", "--out", out], mentions: ["nothing.npy"])
        try expectFailure(["infer", path("tiny.onnx"), "--out", out], mentions: ["input:0"])
        try expectFailure(["inspect", path("truncated.onnx")], mentions: ["truncated.onnx"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing may be written when the run fails")
    }
}
