import Foundation
import XCTest
import WinnowTestSupport
@testable import ONNX

/// External data: files pip onnx writes are read exactly; locations are confined to the
/// model's folder; missing or short data files are clear errors; the writer's data files load
/// in pip onnx and onnxruntime.
final class ExternalDataTests: XCTestCase {
    /// A model pip onnx saves with every tensor (attribute tensors too) in `x.data`; records
    /// each tensor's bytes and its external_data entries.
    static let builder = PythonOracle.prelude + #"""
    out = sys.argv[1]
    rng = np.random.default_rng(11)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4,)).astype(np.float16)
    idx = np.array([2, 0, 1], dtype=np.int64)
    flags = np.array([True, False, True, True])
    d = rng.standard_normal((5,)).astype(np.float64)
    c = rng.standard_normal((3,)).astype(np.float32)
    nodes = [
        helper.make_node("Constant", [], ["c"], name="const", value=numpy_helper.from_array(c, name="c_value")),
        helper.make_node("Gather", ["w", "idx"], ["wg"], name="gather", axis=0),
        helper.make_node("MatMul", ["x", "wg"], ["xw"], name="matmul"),
        helper.make_node("Cast", ["b"], ["bf"], name="cast", to=TensorProto.FLOAT),
        helper.make_node("Add", ["xw", "bf"], ["y0"], name="add"),
        helper.make_node("Mul", ["x", "c"], ["xc"], name="mulc"),
        helper.make_node("ReduceSum", ["xc"], ["s"], name="sum", keepdims=1, axes=[1]),
        helper.make_node("Add", ["y0", "s"], ["y"], name="add2"),
    ]
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"), numpy_helper.from_array(idx, "idx"),
             numpy_helper.from_array(flags, "flags"), numpy_helper.from_array(d, "d")]
    graph = helper.make_graph(nodes, "ext", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])], inits)
    model = helper.make_model(graph, ir_version=8, opset_imports=[helper.make_opsetid("", 12)])
    onnx.checker.check_model(model)
    expected = {"c_value": describe(c)}
    for t in inits:
        expected[t.name] = describe(numpy_helper.to_array(t))
    onnx.save_model(model, os.path.join(out, "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="x.data", size_threshold=0, convert_attribute=True)
    saved = onnx.load(os.path.join(out, "model.onnx"), load_external_data=False)
    tensors = list(saved.graph.initializer) + [saved.graph.node[0].attribute[0].t]
    for t in tensors:
        assert t.data_location == TensorProto.EXTERNAL, t.name
        expected[t.name]["external"] = {e.key: e.value for e in t.external_data}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)
    """#

    private func buildModel() throws -> (URL, [String: [String: Any]]) {
        let directory = try makeTemporaryDirectory(self)
        try PythonOracle.run(Self.builder, name: "build", in: directory, arguments: [directory.path])
        let expected = try XCTUnwrap(PythonOracle.json(directory.appendingPathComponent("expected.json")) as? [String: [String: Any]])
        return (directory, expected)
    }

    private func allTensors(_ model: ONNXModel) -> [ONNXTensor] {
        var tensors = model.graph.initializers
        for node in model.graph.nodes {
            if case let .tensor(tensor)? = node.attributes["value"] { tensors.append(tensor) }
        }
        return tensors
    }

    func testReadsPipOnnxExternalDataExactly() throws {
        let (directory, expected) = try buildModel()
        let url = directory.appendingPathComponent("model.onnx")
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.data").path))

        let references = try ONNXReader.read(contentsOf: url, externalData: .keepReferences)
        let referenced = allTensors(references)
        XCTAssertEqual(referenced.count, 6)
        for tensor in referenced {
            let want = try XCTUnwrap(expected[tensor.name]?["external"] as? [String: String], tensor.name)
            guard case let .external(reference) = tensor.data else { return XCTFail("\(tensor.name) is not external") }
            XCTAssertEqual(reference.location, want["location"], tensor.name)
            XCTAssertEqual(reference.offset, Int(want["offset"] ?? "0") ?? -1, tensor.name)
            XCTAssertEqual(reference.length, want["length"].flatMap { Int($0) }, tensor.name)
        }

        let loaded = try ONNXReader.read(contentsOf: url)
        let tensors = allTensors(loaded)
        XCTAssertEqual(tensors.count, 6)
        for tensor in tensors {
            let want = try XCTUnwrap(expected[tensor.name], tensor.name)
            XCTAssertEqual(tensor.data.fieldName, "raw_data", tensor.name)
            XCTAssertEqual(tensor.dims, want["dims"] as? [Int], tensor.name)
            XCTAssertEqual(try tensor.rawBytes().hexString, want["hex"] as? String, tensor.name)
        }
        // Loading the references later gives the same model.
        XCTAssertEqual(try ONNXReader.loadExternalData(of: references, source: url.path), loaded)
    }

    // MARK: - Bad external data

    /// Writes `model` (with external references) as-is, bypassing the writer's inlining.
    private func writeRaw(_ model: ONNXModel, to url: URL) throws {
        var model = model
        model.directory = nil
        try ProtoEncoder(source: url.path).encode(model).serialized(source: url.path).write(to: url)
    }

    /// The pip-built model with the reference of initializer `name` changed by `edit`.
    private func edited(_ directory: URL, tensor name: String, _ edit: (inout ONNXExternalData) -> Void) throws -> URL {
        var model = try ONNXReader.read(contentsOf: directory.appendingPathComponent("model.onnx"), externalData: .keepReferences)
        let index = try XCTUnwrap(model.graph.initializers.firstIndex { $0.name == name })
        guard case var .external(reference) = model.graph.initializers[index].data else {
            XCTFail("\(name) is not external")
            return directory
        }
        edit(&reference)
        model.graph.initializers[index].data = .external(reference)
        let url = directory.appendingPathComponent("edited-\(UUID().uuidString).onnx")
        try writeRaw(model, to: url)
        return url
    }

    private func assertRefused(_ url: URL, tensor: String, _ check: (ONNXError) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ONNXReader.read(contentsOf: url), file: file, line: line) { error in
            guard let error = error as? ONNXError else { return XCTFail("not an ONNXError: \(error)", file: file, line: line) }
            XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
            XCTAssertTrue(error.description.contains(url.path), "does not name the file: \(error)", file: file, line: line)
            XCTAssertTrue(error.description.contains("'\(tensor)'"), "does not name the tensor: \(error)", file: file, line: line)
        }
    }

    func testEscapingLocationsAreRefused() throws {
        let (directory, _) = try buildModel()
        let outside = try makeTemporaryDirectory(self, prefix: "winnow-outside")
        try FileManager.default.copyItem(at: directory.appendingPathComponent("x.data"), to: outside.appendingPathComponent("x.data"))
        let relativeOutside = "../\(outside.lastPathComponent)/x.data"
        // A symlinked file and a symlinked folder, both leading outside.
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("link.data").path,
                                                   withDestinationPath: outside.appendingPathComponent("x.data").path)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("sub").path,
                                                   withDestinationPath: outside.path)
        for location in [outside.appendingPathComponent("x.data").path, "/etc/passwd", relativeOutside, "../x.data",
                         "a/../../x.data", "./../x.data", "..\\x.data", "C:\\x.data", "link.data", "sub/x.data", "", "."] {
            let url = try edited(directory, tensor: "w") { $0.location = location }
            assertRefused(url, tensor: "w") { error in
                switch error {
                case let .externalLocationRefused(_, _, refused, _): return refused == location
                case .invalidExternalData: return location.isEmpty
                default: return false
                }
            }
        }
        // Locations that stay inside the folder, even with detours, load.
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("inner"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("inner/alias.data").path,
                                                   withDestinationPath: "../x.data")
        for location in ["./x.data", "inner/../x.data", "inner/alias.data"] {
            let url = try edited(directory, tensor: "w") { $0.location = location }
            XCTAssertNoThrow(try ONNXReader.read(contentsOf: url), location)
        }
    }

    func testMissingAndShortDataFiles() throws {
        let (directory, expected) = try buildModel()
        let wantW = try XCTUnwrap(expected["w"]?["external"] as? [String: String])
        let offset = try XCTUnwrap(Int(wantW["offset"] ?? ""))
        let length = try XCTUnwrap(Int(wantW["length"] ?? ""))

        let missing = try edited(directory, tensor: "w") { $0.location = "absent.data" }
        assertRefused(missing, tensor: "w") { if case .externalFileMissing = $0 { return true } else { return false } }

        let beyond = try edited(directory, tensor: "w") { $0.offset = 1 << 40 }
        assertRefused(beyond, tensor: "w") { if case .externalRangeOutOfFile = $0 { return true } else { return false } }

        let overflow = try edited(directory, tensor: "w") { $0.offset = Int.max - 4 }
        assertRefused(overflow, tensor: "w") { if case .externalRangeOutOfFile = $0 { return true } else { return false } }

        let wrongLength = try edited(directory, tensor: "w") { $0.length = length - 4 }
        assertRefused(wrongLength, tensor: "w") { if case .externalLengthMismatch = $0 { return true } else { return false } }

        // A data file cut short inside the tensor's range.
        let short = directory.appendingPathComponent("short.data")
        let data = try Data(contentsOf: directory.appendingPathComponent("x.data"))
        try data.prefix(offset + length - 1).write(to: short)
        let truncated = try edited(directory, tensor: "w") { $0.location = "short.data" }
        assertRefused(truncated, tensor: "w") { error in
            if case let .externalRangeOutOfFile(_, _, path, _, _, size) = error { return path.hasSuffix("short.data") && size == offset + length - 1 }
            return false
        }
        // A folder where the data file should be.
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("folder.data"), withIntermediateDirectories: true)
        let folder = try edited(directory, tensor: "w") { $0.location = "folder.data" }
        assertRefused(folder, tensor: "w") { if case .invalidExternalData = $0 { return true } else { return false } }

        // The whole data file gone: the first tensor that needs it is named.
        try FileManager.default.removeItem(at: directory.appendingPathComponent("x.data"))
        XCTAssertThrowsError(try ONNXReader.read(contentsOf: directory.appendingPathComponent("model.onnx"))) { error in
            guard case .externalFileMissing(let file, _, let path)? = error as? ONNXError else { return XCTFail("\(error)") }
            XCTAssertTrue(file.hasSuffix("model.onnx"))
            XCTAssertTrue(path.hasSuffix("x.data"))
        }
        // Read from memory with no folder: a clear error, not a crash.
        let bytes = try Data(contentsOf: directory.appendingPathComponent("model.onnx"))
        XCTAssertThrowsError(try ONNXReader.read(bytes: bytes, source: "mem.onnx")) { error in
            guard case .invalidExternalData(let file, _, _)? = error as? ONNXError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "mem.onnx")
        }
    }

    // MARK: - Writing external data

    static let ortCompare = PythonOracle.prelude + #"""
    import onnxruntime as ort
    original, written = sys.argv[1], sys.argv[2]
    x = np.random.default_rng(9).standard_normal((2, 3)).astype(np.float32)
    options = ort.SessionOptions(); options.intra_op_num_threads = 1; options.log_severity_level = 3
    def run(path):
        return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"]).run(["y"], {"x": x})[0]
    a, b = run(original), run(written)
    print(json.dumps({"max_abs_diff": float(np.max(np.abs(a - b))), "scale": float(np.max(np.abs(a)))}))
    """#

    func testWriterPutsLargeInitializersInOneDataFile() throws {
        let (directory, expected) = try buildModel()
        let model = try ONNXReader.read(contentsOf: directory.appendingPathComponent("model.onnx"))
        let outFolder = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: outFolder, withIntermediateDirectories: true)
        let url = outFolder.appendingPathComponent("written.onnx")
        // 16 bytes: w (48 B), d (40 B) and idx (24 B) go out; b (8 B) and flags (4 B) stay inline.
        let writer = ONNXWriter(externalDataThreshold: 16, alignment: 64)
        try writer.write(model, to: url)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: outFolder.path)), ["written.onnx", "written.onnx.data"])

        let references = try ONNXReader.read(contentsOf: url, externalData: .keepReferences)
        var external: [String] = []
        for tensor in references.graph.initializers {
            if case let .external(reference) = tensor.data {
                external.append(tensor.name)
                XCTAssertEqual(reference.location, "written.onnx.data")
                XCTAssertEqual(reference.offset % 64, 0, tensor.name)
                XCTAssertEqual(reference.length, tensor.rawByteCount)
            }
        }
        XCTAssertEqual(external.sorted(), ["d", "idx", "w"])
        // Attribute tensors (the Constant's value) stay inside the model file.
        XCTAssertEqual(references.graph.nodes.first?.attributes["value"]?.tensorValue?.data.fieldName, "raw_data")

        // pip onnx loads the pair and reads the same values; onnxruntime gives the same output.
        let dump = try PythonOracle.dump(url, in: directory)
        XCTAssertEqual(dump["checker"] as? String, "ok")
        let initializers = try XCTUnwrap(dump["initializers"] as? [String: [String: Any]])
        for name in ["w", "b", "idx", "flags", "d"] {
            XCTAssertEqual(initializers[name]?["hex"] as? String, expected[name]?["hex"] as? String, name)
        }
        let output = try PythonOracle.run(Self.ortCompare, name: "ort", in: directory,
                                          arguments: [directory.appendingPathComponent("model.onnx").path, url.path])
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(result["max_abs_diff"] as? Double), 0, accuracy: 1e-6)
        XCTAssertGreaterThan(try XCTUnwrap(result["scale"] as? Double), 0)

        // Rewriting in place from a model that still references the old data file works, and
        // leaves no temporary files.
        let again = try ONNXReader.read(contentsOf: url, externalData: .keepReferences)
        try ONNXWriter(externalDataThreshold: 0, alignment: 1).write(again, to: url)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: outFolder.path)), ["written.onnx", "written.onnx.data"])
        let reread = try ONNXReader.read(contentsOf: url)
        XCTAssertEqual(reread.graph.initializers, model.graph.initializers)
        let dump2 = try PythonOracle.dump(url, in: directory)
        XCTAssertEqual((dump2["initializers"] as? [String: [String: Any]])?["w"]?["hex"] as? String, expected["w"]?["hex"] as? String)
    }

    func testWriteIntoMissingFolderFailsCleanly() throws {
        let directory = try makeTemporaryDirectory(self)
        let model = WriterOracleTests.runnableModel(WriterOracleTests.writtenTensors())
        let url = directory.appendingPathComponent("no/such/folder/model.onnx")
        XCTAssertThrowsError(try ONNXWriter(externalDataThreshold: 0).write(model, to: url)) { error in
            guard case .writeFailed(let file, _)? = error as? ONNXError else { return XCTFail("\(error)") }
            XCTAssertTrue(file.contains("no/such/folder"), file)
        }
    }
}
