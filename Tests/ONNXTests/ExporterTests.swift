import Foundation
import ModelGraph
import TensorCore
import XCTest
import WinnowTestSupport
@testable import ONNX

/// ONNXExporter on graphs built by hand, judged by pip onnx (what it reads, its checker) and
/// onnxruntime against numpy.
final class ExporterTests: XCTestCase {
    /// y = If(cond, then: Relu(x·W + b), else: Neg(x·W + b)) with a Softmax-free tail; W and b
    /// are parameters, `axes` of a ReduceSum is a graph constant.
    static func handBuiltGraph(irVersion: Int = 8) throws -> Graph {
        let weights: [Float] = [0.5, -1, 2, 0.25, -0.75, 1.5]
        let bias: [Float] = [0.1, -0.2]
        let thenBranch = Graph(name: "then", outputs: [ValueInfo(name: "then_out", dtype: .float32, shape: [.symbolic("N"), .known(2)])],
                               nodes: [Node(name: "relu", opType: "Relu", inputs: ["z"], outputs: ["then_out"])])
        let elseBranch = Graph(name: "else", outputs: [ValueInfo(name: "else_out", dtype: .float32, shape: nil)],
                               nodes: [Node(name: "neg", opType: "Neg", inputs: ["z"], outputs: ["else_out"])])
        return Graph(
            name: "hand", irVersion: irVersion, opsetImports: ["": 13], producerName: "winnow-tests", producerVersion: "0.1",
            inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.symbolic("N"), .known(3)]),
                     ValueInfo(name: "cond", dtype: .bool, shape: [])],
            outputs: [ValueInfo(name: "y", dtype: .float32, shape: [.symbolic("N"), .known(2)]),
                      ValueInfo(name: "total", dtype: .float32, shape: [.symbolic("N"), .known(1)])],
            valueInfo: ["z": ValueInfo(name: "z", dtype: .float32, shape: [.symbolic("N"), .unknown]),
                        "xw": ValueInfo(name: "xw", dtype: .float32, shape: [.symbolic("N"), .known(2)])],
            nodes: [
                Node(name: "gemm", opType: "Gemm", inputs: ["x", "W", "b"], outputs: ["z"],
                     attributes: ["alpha": .float(1.0), "beta": .float(0.5), "transB": .int(0)]),
                Node(name: "if", opType: "If", inputs: ["cond"], outputs: ["y"],
                     attributes: ["then_branch": .graph(thenBranch), "else_branch": .graph(elseBranch)]),
                Node(name: "sum", opType: "ReduceSum", inputs: ["y", "axes"], outputs: ["total"], attributes: ["keepdims": .int(1)]),
            ],
            initializers: [
                Parameter(name: "W", value: try Tensor(shape: [3, 2], scalars: weights)),
                Parameter(name: "b", value: try Tensor(shape: [2], scalars: bias)),
                Parameter(name: "axes", value: try Tensor(shape: [1], scalars: [Int64(1)]), requiresGrad: false),
            ])
    }

    static let ortScript = PythonOracle.prelude + #"""
    import onnxruntime as ort
    path = sys.argv[1]
    model = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    x = np.random.default_rng(2).standard_normal((5, 3)).astype(np.float32)
    options = ort.SessionOptions(); options.intra_op_num_threads = 1; options.log_severity_level = 3
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    z = x @ inits["W"] + 0.5 * inits["b"]
    diffs = []
    for cond in (True, False):
        y, total = session.run(["y", "total"], {"x": x, "cond": np.array(cond)})
        want = np.maximum(z, 0) if cond else -z
        diffs.append(float(np.max(np.abs(y - want))))
        diffs.append(float(np.max(np.abs(total - want.sum(axis=1, keepdims=True)))))
    print(json.dumps({"max_abs_diff": max(diffs)}))
    """#

    func testHandBuiltGraphExportsAsPipOnnxAndOnnxruntimeExpect() throws {
        let directory = try makeTemporaryDirectory(self)
        let graph = try Self.handBuiltGraph()
        let url = directory.appendingPathComponent("hand.onnx")
        try ONNXExporter.save(graph, to: url)

        let dump = try PythonOracle.dump(url, in: directory)
        XCTAssertEqual(dump["checker"] as? String, "ok")
        XCTAssertEqual(dump["ir"] as? Int, 8)
        XCTAssertEqual((dump["opsets"] as? [[Any]])?.map { $0[1] as? Int }, [13])
        XCTAssertEqual(dump["producer"] as? String, "winnow-tests")
        XCTAssertEqual(dump["graph_name"] as? String, "hand")
        let initializers = try XCTUnwrap(dump["initializers"] as? [String: [String: Any]])
        XCTAssertEqual(dump["initializer_order"] as? [String], ["W", "b", "axes"])
        for name in ["W", "b", "axes"] {
            XCTAssertEqual(initializers[name]?["raw"] as? Bool, true, name)
            let parameter = try XCTUnwrap(graph.parameter(named: name))
            XCTAssertEqual(initializers[name]?["dims"] as? [Int], parameter.value.shape, name)
        }
        XCTAssertEqual(initializers["W"]?["hex"] as? String,
                       try graph.parameter(named: "W")?.value.scalars(Float.self).withUnsafeBufferPointer { Data(buffer: $0) }.hexString)
        XCTAssertEqual(initializers["axes"]?["dtype"] as? Int, 7)
        let inputs = try XCTUnwrap(dump["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.map { $0["name"] as? String }, ["x", "cond"])
        XCTAssertEqual(inputs.first?["dims"] as? [AnyHashable], ["N", 3])
        XCTAssertEqual(inputs.last?["elem"] as? Int, 9)
        XCTAssertEqual(inputs.last?["dims"] as? [AnyHashable], [])
        let valueInfo = try XCTUnwrap(dump["value_info"] as? [[String: Any]])
        XCTAssertEqual(valueInfo.map { $0["name"] as? String }, ["z", "xw"])
        XCTAssertTrue((valueInfo.first?["dims"] as? [Any])?.last is NSNull)
        let nodes = try XCTUnwrap(dump["nodes"] as? [[String: Any]])
        XCTAssertEqual(nodes.map { $0["op"] as? String }, ["Gemm", "If", "ReduceSum"])
        let gemm = try XCTUnwrap(nodes.first?["attributes"] as? [String: [String: Any]])
        XCTAssertEqual(gemm["beta"]?["type"] as? Int, 1)
        XCTAssertEqual(gemm["beta"]?["value"] as? Double, 0.5)
        XCTAssertEqual(gemm["transB"]?["type"] as? Int, 2)
        let ifAttributes = try XCTUnwrap(nodes[1]["attributes"] as? [String: [String: Any]])
        XCTAssertEqual((ifAttributes["then_branch"]?["value"] as? [String: Any])?["nodes"] as? [String], ["Relu"])
        XCTAssertEqual((ifAttributes["else_branch"]?["value"] as? [String: Any])?["nodes"] as? [String], ["Neg"])

        let output = try PythonOracle.run(Self.ortScript, name: "ort", in: directory, arguments: [url.path])
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(result["max_abs_diff"] as? Double), 0, accuracy: 1e-5)
    }

    func testEditedParametersAreWhatIsExported() throws {
        let directory = try makeTemporaryDirectory(self)
        let graph = try Self.handBuiltGraph()
        // A pruning step: zero half of W in place.
        let pruned: [Float] = [0, -1, 0, 0.25, 0, 1.5]
        graph.parameter(named: "W")?.value = try Tensor(shape: [3, 2], scalars: pruned)
        let model = try ONNXExporter.model(from: graph)
        XCTAssertEqual(try model.graph.initializers.first?.rawBytes(), pruned.withUnsafeBufferPointer { Data(buffer: $0) })
        let url = directory.appendingPathComponent("pruned.onnx")
        try ONNXExporter.save(graph, to: url)
        let output = try PythonOracle.run(Self.ortScript, name: "ort", in: directory, arguments: [url.path])
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(result["max_abs_diff"] as? Double), 0, accuracy: 1e-5)
    }

    func testExternalDataThreshold() throws {
        let directory = try makeTemporaryDirectory(self)
        let graph = try Self.handBuiltGraph()
        let url = directory.appendingPathComponent("ext.onnx")
        try ONNXExporter.save(graph, to: url, externalDataThreshold: 8)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)), ["ext.onnx", "ext.onnx.data"])
        let references = try ONNXReader.read(contentsOf: url, externalData: .keepReferences)
        // W (24 B) goes out; b (8 B) and axes (8 B) are not above the threshold.
        XCTAssertEqual(references.graph.initializers.map(\.data.fieldName), ["external data", "raw_data", "raw_data"])
        let output = try PythonOracle.run(Self.ortScript, name: "ort", in: directory, arguments: [url.path])
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(result["max_abs_diff"] as? Double), 0, accuracy: 1e-5)
    }

    /// IR 3 files list every initializer among the graph inputs too.
    func testIRThreeListsInitializersAsInputs() throws {
        let graph = Graph(name: "old", irVersion: 3, opsetImports: ["": 8],
                          inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.known(2)])],
                          outputs: [ValueInfo(name: "y", dtype: .float32, shape: [.known(2)])],
                          nodes: [Node(name: "add", opType: "Add", inputs: ["x", "c"], outputs: ["y"])],
                          initializers: [Parameter(name: "c", value: try Tensor(shape: [2], scalars: [Float(1), 2]))])
        let model = try ONNXExporter.model(from: graph)
        XCTAssertEqual(model.irVersion, 3)
        XCTAssertEqual(model.graph.inputs, [ONNXValueInfo(name: "x", elementType: .float, dims: [.known(2)]),
                                            ONNXValueInfo(name: "c", elementType: .float, dims: [.known(2)])])
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("old.onnx")
        try ONNXWriter().write(model, to: url)
        XCTAssertEqual(try PythonOracle.dump(url, in: directory)["checker"] as? String, "ok")
    }
}
