import Foundation
import XCTest
import WinnowTestSupport
@testable import ONNX

/// ONNXWriter against pip `onnx` (load + full checker), numpy and onnxruntime: Swift writes a
/// model, Python reports what it reads, and onnxruntime runs it.
final class WriterOracleTests: XCTestCase {
    /// Values Swift puts into the model, with their exact little-endian bytes.
    struct Written {
        var tensors: [ONNXTensor] = []
        var bytes: [String: Data] = [:]

        mutating func add<T>(_ name: String, _ type: ONNXDataType, _ dims: [Int], _ values: [T], data: ONNXTensorData? = nil) {
            let raw = values.withUnsafeBufferPointer { Data(buffer: $0) }
            tensors.append(ONNXTensor(name: name, dataType: type, dims: dims, data: data ?? .raw(raw)))
            bytes[name] = raw
        }
    }

    static func writtenTensors() -> Written {
        var written = Written()
        let w: [Float] = [0.5, -1.25, 3.0]
        written.add("w", .float, [3], w, data: .floats(w))
        let h: [Float16] = [1.5, -0.25, 2.0]
        written.add("h", .float16, [3], h, data: .int32s(h.map { Int32($0.bitPattern) }))
        let d: [Double] = [.pi, -1e300, 5e-324]
        written.add("d", .double, [3], d, data: .doubles(d))
        let l: [Int64] = [.min, .max, -3, 0]
        written.add("l", .int64, [2, 2], l, data: .int64s(l))
        let i: [Int32] = [.min, .max, -1]
        written.add("i", .int32, [3], i, data: .int32s(i))
        let s: [Int8] = [-128, 127, -1, 0]
        written.add("s", .int8, [4], s, data: .int32s(s.map { Int32($0) }))
        let u: [UInt8] = [0, 255, 128]
        written.add("u", .uint8, [3], u, data: .int32s(u.map { Int32($0) }))
        let b: [Bool] = [true, false, true, true]
        written.add("b", .bool, [2, 2], b, data: .int32s(b.map { $0 ? 1 : 0 }))
        let r: [Float] = [.nan, -0.0, .infinity, 1e-42]
        written.add("r", .float, [2, 2], r)
        let scalar: [Float] = [7.5]
        written.add("scalar", .float, [], scalar)
        let empty: [Float] = []
        written.add("empty", .float, [0, 4], empty)
        return written
    }

    /// (x + w) * Cast(h): runnable by onnxruntime; the other initializers are unused.
    static func runnableModel(_ written: Written, irVersion: Int64 = 8) -> ONNXModel {
        let nodes = [
            ONNXNode(name: "cast_h", opType: "Cast", inputs: ["h"], outputs: ["hc"], attributes: ["to": .int(1)]),
            ONNXNode(name: "add", opType: "Add", inputs: ["x", "w"], outputs: ["sum"]),
            ONNXNode(name: "mul", opType: "Mul", inputs: ["sum", "hc"], outputs: ["y"]),
        ]
        let graph = ONNXGraphProto(
            name: "writer_graph", nodes: nodes, initializers: written.tensors,
            inputs: [ONNXValueInfo(name: "x", elementType: .float, dims: [.symbolic("N"), .known(3)])],
            outputs: [ONNXValueInfo(name: "y", elementType: .float, dims: [.symbolic("N"), .known(3)])],
            valueInfo: [ONNXValueInfo(name: "sum", elementType: .float, dims: [.symbolic("N"), .unknown])])
        return ONNXModel(irVersion: irVersion, opsetImports: [ONNXOpsetImport(domain: "", version: 17)],
                         producerName: "winnow-tests", docString: "written by Swift",
                         metadata: ["author": "winnow", "unicode": "\u{fc}\u{2603}"], graph: graph)
    }

    static let ortScript = PythonOracle.prelude + #"""
    import onnxruntime as ort
    path = sys.argv[1]
    model = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    x = np.random.default_rng(5).standard_normal((4, 3)).astype(np.float32)
    options = ort.SessionOptions(); options.intra_op_num_threads = 1; options.log_severity_level = 3
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    got = session.run(["y"], {"x": x})[0]
    want = (x + inits["w"]) * inits["h"].astype(np.float32)
    print(json.dumps({"max_abs_diff": float(np.max(np.abs(got - want))), "shape": list(got.shape)}))
    """#

    func checkDump(_ dump: [String: Any], _ written: Written, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(dump["checker"] as? String, "ok", file: file, line: line)
        let initializers = try XCTUnwrap(dump["initializers"] as? [String: [String: Any]], file: file, line: line)
        XCTAssertEqual(dump["initializer_order"] as? [String], written.tensors.map(\.name), file: file, line: line)
        for tensor in written.tensors {
            let got = try XCTUnwrap(initializers[tensor.name], tensor.name, file: file, line: line)
            XCTAssertEqual(got["dtype"] as? Int, Int(tensor.dataType.rawValue), tensor.name, file: file, line: line)
            XCTAssertEqual(got["dims"] as? [Int], tensor.dims, tensor.name, file: file, line: line)
            XCTAssertEqual(got["hex"] as? String, written.bytes[tensor.name]?.hexString, tensor.name, file: file, line: line)
        }
    }

    func testWrittenModelLoadsInPipOnnxAndRunsInOnnxruntime() throws {
        let directory = try makeTemporaryDirectory(self)
        let written = Self.writtenTensors()
        let url = directory.appendingPathComponent("written.onnx")
        try ONNXWriter().write(Self.runnableModel(written), to: url)
        // Only the model file appears (no leftovers, no data file).
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["written.onnx"])

        let dump = try PythonOracle.dump(url, in: directory)
        try checkDump(dump, written)
        // Typed fields are written as raw_data.
        let initializers = try XCTUnwrap(dump["initializers"] as? [String: [String: Any]])
        for tensor in written.tensors where tensor.dims != [0, 4] {
            XCTAssertEqual(initializers[tensor.name]?["raw"] as? Bool, true, tensor.name)
        }
        XCTAssertEqual(dump["ir"] as? Int, 8)
        XCTAssertEqual((dump["opsets"] as? [[Any]])?.count, 1)
        XCTAssertEqual(dump["producer"] as? String, "winnow-tests")
        XCTAssertEqual(dump["doc"] as? String, "written by Swift")
        XCTAssertEqual(dump["metadata"] as? [String: String], ["author": "winnow", "unicode": "\u{fc}\u{2603}"])
        let inputs = try XCTUnwrap(dump["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.count, 1)
        XCTAssertEqual(inputs.first?["name"] as? String, "x")
        XCTAssertEqual(inputs.first?["elem"] as? Int, 1)
        XCTAssertEqual(inputs.first?["dims"] as? [AnyHashable], ["N", 3])
        let valueInfo = try XCTUnwrap((dump["value_info"] as? [[String: Any]])?.first)
        XCTAssertEqual(valueInfo["name"] as? String, "sum")
        XCTAssertEqual((valueInfo["dims"] as? [Any])?.count, 2)
        XCTAssertTrue((valueInfo["dims"] as? [Any])?.last is NSNull)
        let nodes = try XCTUnwrap(dump["nodes"] as? [[String: Any]])
        XCTAssertEqual(nodes.map { $0["op"] as? String }, ["Cast", "Add", "Mul"])

        let output = try PythonOracle.run(Self.ortScript, name: "ort", in: directory, arguments: [url.path])
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        XCTAssertEqual(result["shape"] as? [Int], [4, 3])
        XCTAssertEqual(try XCTUnwrap(result["max_abs_diff"] as? Double), 0, accuracy: 1e-6)

        // And the Swift reader reads back what it wrote (typed data now raw).
        let back = try ONNXReader.read(contentsOf: url)
        for (tensor, original) in zip(back.graph.initializers, written.tensors) {
            XCTAssertEqual(tensor.name, original.name)
            XCTAssertEqual(try tensor.rawBytes(), written.bytes[original.name], tensor.name)
        }
    }

    func testEveryAttributeKindIsWrittenAsPipOnnxReadsIt() throws {
        let directory = try makeTemporaryDirectory(self)
        let attributeTensor = ONNXTensor(name: "at", dataType: .int64, dims: [2], data: .int64s([-4, 1 << 40]))
        let body = ONNXGraphProto(
            name: "body", nodes: [ONNXNode(name: "id", opType: "Identity", inputs: ["bi"], outputs: ["bo"])],
            initializers: [ONNXTensor(name: "bc", dataType: .float, dims: [1], data: .floats([2]))],
            inputs: [ONNXValueInfo(name: "bi", elementType: .float, dims: [.known(1)])],
            outputs: [ONNXValueInfo(name: "bo", elementType: .float, dims: [.known(1)])])
        var second = body
        second.name = "second"
        let attributes: [String: ONNXAttribute] = [
            "f": .float(0.1), "i": .int(-(1 << 40)), "s": .string("h\u{e9}llo"), "t": .tensor(attributeTensor),
            "g": .graph(body), "floats": .floats([1.5, -2]), "ints": .ints([3, -1]), "strings": .strings(["a", ""]),
            "tensors": .tensors([attributeTensor, ONNXTensor(name: "", dataType: .bool, dims: [1], data: .int32s([1]))]),
            "graphs": .graphs([body, second]), "empty": .ints([]),
        ]
        let graph = ONNXGraphProto(
            name: "attrs", nodes: [ONNXNode(name: "n", opType: "Custom", domain: "test.domain", inputs: ["x"], outputs: ["y"],
                                           attributes: attributes)],
            inputs: [ONNXValueInfo(name: "x", elementType: .float, dims: [.known(1)])],
            outputs: [ONNXValueInfo(name: "y", elementType: .float, dims: [.known(1)])])
        let model = ONNXModel(irVersion: 8, opsetImports: [ONNXOpsetImport(domain: "", version: 17),
                                                          ONNXOpsetImport(domain: "test.domain", version: 1)], graph: graph)
        let url = directory.appendingPathComponent("attrs.onnx")
        try ONNXWriter().write(model, to: url)
        let dump = try PythonOracle.dump(url, in: directory)
        XCTAssertEqual(dump["checker"] as? String, "ok")
        XCTAssertEqual((dump["opsets"] as? [[Any]])?.map { $0[0] as? String }, ["", "test.domain"])
        let node = try XCTUnwrap((dump["nodes"] as? [[String: Any]])?.first)
        XCTAssertEqual(node["domain"] as? String, "test.domain")
        let got = try XCTUnwrap(node["attributes"] as? [String: [String: Any]])
        XCTAssertEqual(Set(got.keys), Set(attributes.keys))
        // AttributeProto.AttributeType numbers as pip onnx reads them.
        let types = ["f": 1, "i": 2, "s": 3, "t": 4, "g": 5, "floats": 6, "ints": 7, "strings": 8, "tensors": 9, "graphs": 10, "empty": 7]
        for (name, type) in types { XCTAssertEqual(got[name]?["type"] as? Int, type, name) }
        XCTAssertEqual((got["f"]?["value"] as? Double).map { Float($0) }, 0.1)
        XCTAssertEqual(got["i"]?["value"] as? Int, -(1 << 40))
        XCTAssertEqual(got["s"]?["value"] as? String, "h\u{e9}llo")
        XCTAssertEqual(got["floats"]?["value"] as? [Double], [1.5, -2])
        XCTAssertEqual(got["ints"]?["value"] as? [Int], [3, -1])
        XCTAssertEqual(got["empty"]?["value"] as? [Int], [])
        XCTAssertEqual(got["strings"]?["value"] as? [String], ["a", ""])
        let t = try XCTUnwrap(got["t"]?["value"] as? [String: Any])
        XCTAssertEqual(t["dtype"] as? Int, 7)
        XCTAssertEqual(t["hex"] as? String, [Int64(-4), 1 << 40].withUnsafeBufferPointer { Data(buffer: $0) }.hexString)
        let tensors = try XCTUnwrap(got["tensors"]?["value"] as? [[String: Any]])
        XCTAssertEqual(tensors.map { $0["dtype"] as? Int }, [7, 9])
        XCTAssertEqual(tensors.last?["hex"] as? String, "01")
        let g = try XCTUnwrap(got["g"]?["value"] as? [String: Any])
        XCTAssertEqual(g["name"] as? String, "body")
        XCTAssertEqual(g["nodes"] as? [String], ["Identity"])
        XCTAssertEqual(g["initializers"] as? [String], ["bc"])
        XCTAssertEqual((got["graphs"]?["value"] as? [[String: Any]])?.map { $0["name"] as? String }, ["body", "second"])

        // Swift reads back the same attributes, modulo typed→raw storage of tensors.
        let back = try ONNXReader.read(contentsOf: url)
        let readAttributes = try XCTUnwrap(back.graph.nodes.first?.attributes)
        for name in ["f", "i", "s", "floats", "ints", "strings", "empty"] {
            XCTAssertEqual(readAttributes[name], attributes[name], name)
        }
        XCTAssertEqual(try readAttributes["t"]?.tensorValue?.rawBytes(), try attributeTensor.rawBytes())
    }

    func testStandaloneTensorSerialisationLoadsInPipOnnx() throws {
        let directory = try makeTemporaryDirectory(self)
        let values: [Float16] = [1, -2.5, 65504, .infinity]
        let tensor = ONNXTensor(name: "half", dataType: .float16, dims: [2, 2], data: .int32s(values.map { Int32($0.bitPattern) }))
        let bytes = try ONNXWriter().serialize(tensor)
        let url = directory.appendingPathComponent("half.pb")
        try bytes.write(to: url)
        let script = PythonOracle.prelude + #"""
        t = onnx.TensorProto()
        with open(sys.argv[1], "rb") as f:
            t.ParseFromString(f.read())
        d = describe(numpy_helper.to_array(t)); d["name"] = t.name
        print(json.dumps(d))
        """#
        let output = try PythonOracle.run(script, in: directory, arguments: [url.path])
        let got = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        XCTAssertEqual(got["name"] as? String, "half")
        XCTAssertEqual(got["dtype"] as? Int, 10)
        XCTAssertEqual(got["dims"] as? [Int], [2, 2])
        XCTAssertEqual(got["hex"] as? String, values.withUnsafeBufferPointer { Data(buffer: $0) }.hexString)
    }
}
