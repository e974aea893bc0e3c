import Foundation
import TensorCore
import XCTest
import WinnowTestSupport
@testable import ONNX

/// ONNXReader against pip `onnx` + numpy: Python builds models with every storage form,
/// attribute kind, opset layout and metadata, and records what it wrote; the Swift side must
/// decode exactly that.
final class ReaderOracleTests: XCTestCase {
    static let builder = PythonOracle.prelude + #"""
    out = sys.argv[1]
    rng = np.random.default_rng(20240611)
    f32 = rng.standard_normal((2, 3)).astype(np.float32)
    f32.flat[0] = np.nan; f32.flat[1] = -0.0; f32.flat[2] = np.inf; f32.flat[3] = 1e-42  # subnormal
    f16 = rng.standard_normal((3, 2)).astype(np.float16)
    f16.flat[0] = np.float16(65504); f16.flat[1] = -np.inf; f16.flat[2] = np.float16(6e-8)
    arrays = {
        "f32": f32,
        "f16": f16,
        "f64": np.array([np.pi, -1e300, 5e-324, 0.0], dtype=np.float64),
        "i64": np.array([[-2**63, 2**63 - 1], [0, -5]], dtype=np.int64),
        "i32": np.array([-2**31, 2**31 - 1, 0, -1, 12345], dtype=np.int32),
        "i8": np.array([[-128, 127, -1], [0, 1, -77]], dtype=np.int8),
        "u8": np.array([0, 255, 1, 128, 7, 200, 99], dtype=np.uint8),
        "b": np.array([[True, False, True], [False, False, True], [True, True, False]]),
        "i16": np.array([-32768, 32767, -3], dtype=np.int16),
        "u16": np.array([0, 65535, 40000], dtype=np.uint16),
        "u32": np.array([0, 4000000000, 7], dtype=np.uint32),
        "u64": np.array([0, 2**64 - 1, 2**40], dtype=np.uint64),
        "scalar": np.array(3.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }
    expected = {"tensors": {}}
    initializers = []
    def field_of(t):
        for name in ["raw_data", "float_data", "int32_data", "int64_data", "double_data", "uint64_data"]:
            if t.HasField("raw_data") if name == "raw_data" else len(getattr(t, name)) > 0:
                return name
        return "raw_data"  # empty tensors read as empty raw_data
    for key, array in arrays.items():
        raw = numpy_helper.from_array(array, name=key + "_raw")
        elem = helper.np_dtype_to_tensor_dtype(array.dtype)
        flat = array.flatten()
        typed = helper.make_tensor(key + "_typed", elem, list(array.shape), flat, raw=False)
        for t in (raw, typed):
            initializers.append(t)
            d = describe(numpy_helper.to_array(t))
            assert d["hex"] == describe(array)["hex"]
            d["field"] = field_of(t)
            expected["tensors"][t.name] = d
    assert expected["tensors"]["f16_typed"]["field"] == "int32_data"
    assert expected["tensors"]["f64_typed"]["field"] == "double_data"
    assert expected["tensors"]["b_typed"]["field"] == "int32_data"
    assert expected["tensors"]["i64_typed"]["field"] == "int64_data"
    assert expected["tensors"]["f32_typed"]["field"] == "float_data"

    # One node carrying every attribute kind (a custom domain: readers must not care).
    sub_init = numpy_helper.from_array(np.array([1, 2], dtype=np.int64), name="sub_c")
    def subgraph(name):
        return helper.make_graph(
            [helper.make_node("Identity", ["sub_in"], ["sub_out"], name=name + "_id")], name,
            [helper.make_tensor_value_info("sub_in", TensorProto.INT64, [2])],
            [helper.make_tensor_value_info("sub_out", TensorProto.INT64, [2])], [sub_init])
    attr_tensor = numpy_helper.from_array(np.array([[1.25, -2.5]], dtype=np.float32), name="attr_t")
    attr_tensors = [numpy_helper.from_array(np.array([7], dtype=np.int32), name="t0"),
                    numpy_helper.from_array(np.array([True, False]), name="t1")]
    sparse = helper.make_sparse_tensor(
        numpy_helper.from_array(np.array([5.0], dtype=np.float32)), numpy_helper.from_array(np.array([1], dtype=np.int64)), [3])
    node = helper.make_node(
        "AllKinds", ["x"], ["y"], name="all_kinds", domain="test.domain",
        f=0.1, i=-7, s="h\u00e9llo", t=attr_tensor, g=subgraph("body"),
        floats=[1.5, -2.0, 3.25], ints=[1, -2, 2**40], strings=["a", "bc", ""],
        tensors=attr_tensors, graphs=[subgraph("g0"), subgraph("g1")],
        sp=sparse, tp=helper.make_tensor_type_proto(TensorProto.FLOAT, [1]))
    node.attribute.extend([helper.make_attribute("empty_ints", [], attr_type=AttributeProto.INTS)])
    # Files from before IR 3 leave the attribute type unset.
    legacy = AttributeProto(); legacy.name = "legacy_int"; legacy.i = 42
    node.attribute.append(legacy)
    expected["attributes"] = {
        "f": float(np.float32(0.1)), "i": -7, "s": "h\u00e9llo", "t": describe(numpy_helper.to_array(attr_tensor)),
        "floats": [1.5, -2.0, 3.25], "ints": [1, -2, 2**40], "strings": ["a", "bc", ""],
        "tensors": [describe(numpy_helper.to_array(t)) for t in attr_tensors],
        "graph_names": ["g0", "g1"], "legacy_int": 42,
    }

    # A model-local function with an attribute reference.
    ref = AttributeProto(); ref.name = "alpha"; ref.ref_attr_name = "a"; ref.type = AttributeProto.FLOAT
    fnode = helper.make_node("LeakyRelu", ["fx"], ["fy"], name="inner")
    fnode.attribute.append(ref)
    function = helper.make_function("test.domain", "MyRelu", ["fx"], ["fy"], [fnode],
                                    [helper.make_opsetid("", 17)], attributes=["a"])

    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, None]),
              helper.make_tensor_value_info("unranked", TensorProto.INT64, None)]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [2, "batch"])]
    value_info = [helper.make_tensor_value_info("mid", TensorProto.DOUBLE, [])]
    graph = helper.make_graph([node], "oracle_graph", inputs, outputs, initializers, doc_string="graph doc",
                              value_info=value_info)
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3), helper.make_opsetid("test.domain", 1)]
    for ir in (8, 10):
        model = helper.make_model(graph, ir_version=ir, opset_imports=opsets, producer_name="oracle",
                                  producer_version="1.2.3", doc_string="model doc", domain="org.winnow.test",
                                  model_version=42, functions=[function])
        helper.set_model_props(model, {"author": "tests", "licence": "MIT", "unicode": "\u00fc\u2603"})
        onnx.save_model(model, os.path.join(out, f"ir{ir}.onnx"))
    expected["opsets"] = [["", 17], ["ai.onnx.ml", 3], ["test.domain", 1]]
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)
    """#

    private func buildModels() throws -> (URL, [String: Any]) {
        let directory = try makeTemporaryDirectory(self)
        try PythonOracle.run(Self.builder, name: "build", in: directory, arguments: [directory.path])
        let expected = try XCTUnwrap(PythonOracle.json(directory.appendingPathComponent("expected.json")) as? [String: Any])
        return (directory, expected)
    }

    func testTensorsInEveryStorageFormMatchNumpy() throws {
        let (directory, expected) = try buildModels()
        let tensors = try XCTUnwrap(expected["tensors"] as? [String: [String: Any]])
        for ir in [8, 10] {
            let model = try ONNXReader.read(contentsOf: directory.appendingPathComponent("ir\(ir).onnx"))
            XCTAssertEqual(model.graph.initializers.count, tensors.count)
            var seen = Set<String>()
            for tensor in model.graph.initializers {
                let want = try XCTUnwrap(tensors[tensor.name], "unexpected initializer \(tensor.name)")
                seen.insert(tensor.name)
                XCTAssertEqual(Int(tensor.dataType.rawValue), want["dtype"] as? Int, tensor.name)
                XCTAssertEqual(tensor.dims, want["dims"] as? [Int], tensor.name)
                XCTAssertEqual(tensor.data.fieldName, want["field"] as? String, tensor.name)
                let bytes = try XCTUnwrap(Data(hex: want["hex"] as? String ?? "x"))
                XCTAssertEqual(try tensor.rawBytes(), bytes, "raw bytes of \(tensor.name)")
                // TensorCore conversion keeps exact bit patterns (Bool as 0/1 bytes).
                if let dtype = tensor.dataType.dtype {
                    let converted = try tensor.makeTensor()
                    XCTAssertEqual(converted.dtype, dtype)
                    XCTAssertEqual(converted.shape, tensor.dims)
                    func elementBytes<T: TensorElement>(_: T.Type) -> Data { converted.withElements(T.self) { Data(buffer: $0) } }
                    XCTAssertEqual(Tensor.dispatchAll(dtype) { elementBytes($0) }, bytes, "Tensor of \(tensor.name)")
                } else {
                    XCTAssertThrowsError(try tensor.makeTensor()) { error in
                        guard case .unsupportedDataType(_, let name, _)? = error as? ONNXError else {
                            return XCTFail("\(tensor.name): \(error)")
                        }
                        XCTAssertEqual(name, tensor.name)
                    }
                }
            }
            XCTAssertEqual(seen.count, tensors.count)
        }
    }

    func testAttributesOfEveryKind() throws {
        let (directory, expected) = try buildModels()
        let want = try XCTUnwrap(expected["attributes"] as? [String: Any])
        let model = try ONNXReader.read(contentsOf: directory.appendingPathComponent("ir10.onnx"))
        let node = try XCTUnwrap(model.graph.nodes.first)
        XCTAssertEqual(node.name, "all_kinds")
        XCTAssertEqual(node.opType, "AllKinds")
        XCTAssertEqual(node.domain, "test.domain")
        XCTAssertEqual(node.inputs, ["x"])
        XCTAssertEqual(node.outputs, ["y"])
        let attributes = node.attributes
        XCTAssertEqual(attributes["f"], .float(Float(try XCTUnwrap(want["f"] as? Double))))
        XCTAssertEqual(attributes["i"], .int(-7))
        XCTAssertEqual(attributes["s"], .string(try XCTUnwrap(want["s"] as? String)))
        XCTAssertEqual(attributes["floats"], .floats(try XCTUnwrap(want["floats"] as? [Double]).map { Float($0) }))
        XCTAssertEqual(attributes["ints"], .ints(try XCTUnwrap(want["ints"] as? [Int]).map { Int64($0) }))
        XCTAssertEqual(attributes["strings"], .strings(try XCTUnwrap(want["strings"] as? [String])))
        XCTAssertEqual(attributes["empty_ints"], .ints([]))
        XCTAssertEqual(attributes["legacy_int"], .int(Int64(try XCTUnwrap(want["legacy_int"] as? Int))))
        XCTAssertEqual(attributes["sp"], .unsupported(kind: "SPARSE_TENSOR"))
        XCTAssertEqual(attributes["tp"], .unsupported(kind: "TYPE_PROTO"))

        func check(_ tensor: ONNXTensor?, _ description: Any?, _ label: String) throws {
            let tensor = try XCTUnwrap(tensor, label)
            let description = try XCTUnwrap(description as? [String: Any], label)
            XCTAssertEqual(Int(tensor.dataType.rawValue), description["dtype"] as? Int, label)
            XCTAssertEqual(tensor.dims, description["dims"] as? [Int], label)
            XCTAssertEqual(try tensor.rawBytes(), Data(hex: description["hex"] as? String ?? "x"), label)
        }
        try check(attributes["t"]?.tensorValue, want["t"], "t")
        guard case let .tensors(list)? = attributes["tensors"] else { return XCTFail("tensors: \(String(describing: attributes["tensors"]))") }
        let wantTensors = try XCTUnwrap(want["tensors"] as? [Any])
        XCTAssertEqual(list.count, wantTensors.count)
        for (tensor, description) in zip(list, wantTensors) { try check(tensor, description, "tensors/\(tensor.name)") }

        let body = try XCTUnwrap(attributes["g"]?.graphValue)
        XCTAssertEqual(body.name, "body")
        XCTAssertEqual(body.nodes.map(\.opType), ["Identity"])
        XCTAssertEqual(body.initializers.map(\.name), ["sub_c"])
        XCTAssertEqual(try body.initializers.first?.rawBytes(), Data([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]))
        XCTAssertEqual(body.inputs, [ONNXValueInfo(name: "sub_in", elementType: .int64, dims: [.known(2)])])
        guard case let .graphs(graphs)? = attributes["graphs"] else { return XCTFail("graphs") }
        XCTAssertEqual(graphs.map(\.name), want["graph_names"] as? [String])

        // The function body keeps its attribute reference.
        XCTAssertEqual(model.functions.count, 1)
        let function = try XCTUnwrap(model.functions.first)
        XCTAssertEqual(function.name, "MyRelu")
        XCTAssertEqual(function.domain, "test.domain")
        XCTAssertEqual(function.attributeNames, ["a"])
        XCTAssertEqual(function.opsetImports, [ONNXOpsetImport(domain: "", version: 17)])
        XCTAssertEqual(function.nodes.first?.attributes["alpha"], .reference(attribute: "a", type: 1))
    }

    func testModelFieldsOpsetsValueInfosAndMetadata() throws {
        let (directory, expected) = try buildModels()
        let opsets = try XCTUnwrap(expected["opsets"] as? [[Any]]).map {
            ONNXOpsetImport(domain: $0[0] as? String ?? "?", version: Int64($0[1] as? Int ?? -1))
        }
        for ir in [8, 10] {
            let url = directory.appendingPathComponent("ir\(ir).onnx")
            let model = try ONNXReader.read(contentsOf: url)
            XCTAssertEqual(model.irVersion, Int64(ir))
            XCTAssertEqual(model.opsetImports, opsets)
            XCTAssertEqual(model.opsetVersion(domain: "ai.onnx"), 17)
            XCTAssertEqual(model.opsetVersion(domain: "ai.onnx.ml"), 3)
            XCTAssertEqual(model.opsetVersion(domain: "test.domain"), 1)
            XCTAssertNil(model.opsetVersion(domain: "com.microsoft"))
            XCTAssertEqual(model.producerName, "oracle")
            XCTAssertEqual(model.producerVersion, "1.2.3")
            XCTAssertEqual(model.docString, "model doc")
            XCTAssertEqual(model.domain, "org.winnow.test")
            XCTAssertEqual(model.modelVersion, 42)
            XCTAssertEqual(model.metadata, ["author": "tests", "licence": "MIT", "unicode": "\u{fc}\u{2603}"])
            XCTAssertEqual(model.directory?.standardizedFileURL, directory.standardizedFileURL)
            XCTAssertEqual(model.graph.name, "oracle_graph")
            XCTAssertEqual(model.graph.docString, "graph doc")
            XCTAssertEqual(model.graph.inputs, [
                ONNXValueInfo(name: "x", elementType: .float, dims: [.symbolic("N"), .known(3), .unknown]),
                ONNXValueInfo(name: "unranked", elementType: .int64, dims: nil),
            ])
            XCTAssertEqual(model.graph.outputs, [ONNXValueInfo(name: "y", elementType: .float16, dims: [.known(2), .symbolic("batch")])])
            XCTAssertEqual(model.graph.valueInfo, [ONNXValueInfo(name: "mid", elementType: .double, dims: [])])
        }
    }

    /// Standalone TensorProto files (the conformance data sets' form), raw and typed.
    func testStandaloneTensorProtoFiles() throws {
        let directory = try makeTemporaryDirectory(self)
        let script = PythonOracle.prelude + #"""
        out = sys.argv[1]
        rng = np.random.default_rng(3)
        cases = {"a": rng.standard_normal((2, 2, 3)).astype(np.float32),
                 "b": rng.integers(-9, 9, size=(4,)).astype(np.int64),
                 "c": rng.standard_normal((5,)).astype(np.float16)}
        expected = {}
        for key, array in cases.items():
            for raw in (True, False):
                t = helper.make_tensor(key, helper.np_dtype_to_tensor_dtype(array.dtype), list(array.shape), array.flatten(), raw=raw)
                name = f"{key}_{int(raw)}.pb"
                with open(os.path.join(out, name), "wb") as f:
                    f.write(t.SerializeToString())
                expected[name] = describe(array)
        with open(os.path.join(out, "expected.json"), "w") as f:
            json.dump(expected, f)
        """#
        try PythonOracle.run(script, in: directory, arguments: [directory.path])
        let expected = try XCTUnwrap(PythonOracle.json(directory.appendingPathComponent("expected.json")) as? [String: [String: Any]])
        XCTAssertEqual(expected.count, 6)
        for (file, want) in expected {
            let tensor = try ONNXReader.readTensorProto(contentsOf: directory.appendingPathComponent(file))
            XCTAssertEqual(Int(tensor.dataType.rawValue), want["dtype"] as? Int, file)
            XCTAssertEqual(tensor.dims, want["dims"] as? [Int], file)
            XCTAssertEqual(try tensor.rawBytes(), Data(hex: want["hex"] as? String ?? "x"), file)
        }
    }
}
