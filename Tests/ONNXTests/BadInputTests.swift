import Foundation
import XCTest
import WinnowTestSupport
@testable import ONNX

/// Files that are not ONNX models, or broken ones: each gives an ONNXError that names the file,
/// never a crash. (External-data failures: ExternalDataTests.)
final class BadInputTests: XCTestCase {
    private func assertError(_ url: URL, file: StaticString = #filePath, line: UInt = #line,
                             _ check: (ONNXError) -> Bool = { _ in true }) {
        XCTAssertThrowsError(try ONNXReader.read(contentsOf: url), file: file, line: line) { error in
            guard let error = error as? ONNXError else { return XCTFail("not an ONNXError: \(error)", file: file, line: line) }
            XCTAssertTrue(check(error), "unexpected: \(error)", file: file, line: line)
            XCTAssertTrue(error.description.contains(url.path), "does not name the file: \(error)", file: file, line: line)
        }
    }

    func testEmptyFile() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("empty.onnx")
        try Data().write(to: url)
        assertError(url) { if case .emptyFile = $0 { return true } else { return false } }
        XCTAssertThrowsError(try ONNXReader.readTensorProto(contentsOf: url)) { error in
            guard case .emptyFile(let file)? = error as? ONNXError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, url.path)
        }
    }

    func testMissingFileAndFolder() throws {
        let directory = try makeTemporaryDirectory(self)
        let missing = directory.appendingPathComponent("absent.onnx")
        assertError(missing) { if case let .unreadableFile(_, reason) = $0 { return reason == "no such file" } else { return false } }
        assertError(directory) { if case .unreadableFile = $0 { return true } else { return false } }
    }

    func testGarbageAndOtherFormats() throws {
        let directory = try makeTemporaryDirectory(self)
        var generator = SplitMix(seed: 99)
        let garbage = Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        let cases: [(String, Data)] = [
            ("garbage.onnx", garbage),
            ("zeros.onnx", Data(count: 1000)),
            ("ff.onnx", Data(repeating: 0xFF, count: 64)),
            ("text.onnx", Data("ir_version: 8\ngraph { name: \"g\" }\n".utf8)),
            ("npy.onnx", Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0, 118, 0]) + Data(repeating: 0x20, count: 118)),
            ("png.onnx", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])),
            ("one.onnx", Data([0x08])),
        ]
        for (name, bytes) in cases {
            let url = directory.appendingPathComponent(name)
            try bytes.write(to: url)
            assertError(url) { if case .malformedModel = $0 { return true } else { return false } }
        }
    }

    /// Valid protobuf messages of other types (a TensorProto, a GraphProto, a NodeProto): they
    /// may parse as a ModelProto, but lack what every model has.
    func testValidProtobufOfAnotherMessage() throws {
        let directory = try makeTemporaryDirectory(self)
        let script = PythonOracle.prelude + #"""
        out = sys.argv[1]
        tensor = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), name="t")
        node = helper.make_node("Relu", ["a"], ["b"], name="n")
        graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1])],
                                  [helper.make_tensor_value_info("b", TensorProto.FLOAT, [1])])
        op = helper.make_opsetid("", 17)
        no_graph = onnx.ModelProto(); no_graph.ir_version = 8; no_graph.opset_import.append(op)
        no_ir = helper.make_model(graph, opset_imports=[op]); no_ir.ClearField("ir_version")
        no_opset = helper.make_model(graph, ir_version=8); del no_opset.opset_import[:]
        for name, message in [("tensor", tensor), ("node", node), ("graph", graph), ("opset", op),
                              ("no_graph", no_graph), ("no_ir", no_ir), ("no_opset", no_opset)]:
            with open(os.path.join(out, name + ".onnx"), "wb") as f:
                f.write(message.SerializeToString())
        """#
        try PythonOracle.run(script, in: directory, arguments: [directory.path])
        for name in ["tensor", "node", "graph", "opset", "no_graph", "no_ir", "no_opset"] {
            assertError(directory.appendingPathComponent("\(name).onnx")) { error in
                if case .malformedModel = error { return true }
                if case .invalidTensor = error { return true }
                return false
            }
        }
        // A model read as a standalone tensor: parses (all fields unknown) or is refused, never traps.
        let cnn = try makeTemporaryDirectory(self)
        try TestModels.build(in: cnn)
        do {
            _ = try ONNXReader.readTensorProto(contentsOf: cnn.appendingPathComponent("cnn.onnx"))
        } catch let error as ONNXError {
            XCTAssertTrue(error.description.contains("cnn.onnx"), "\(error)")
        }
    }

    /// Every prefix of a real model: either a (smaller) valid model or an ONNXError naming the file.
    func testEveryTruncationOfASmallModel() throws {
        let directory = try makeTemporaryDirectory(self)
        try TestModels.build(in: directory)
        let bytes = try Data(contentsOf: directory.appendingPathComponent("cnn.onnx"))
        var refused = 0
        for length in 1..<bytes.count {
            do {
                _ = try ONNXReader.read(bytes: bytes.prefix(length), source: "cut-\(length).onnx", directory: directory)
            } catch let error as ONNXError {
                refused += 1
                if !error.description.contains("cut-\(length).onnx") { XCTFail("does not name the file: \(error)") }
            }
        }
        // Almost every cut lands inside a field.
        XCTAssertGreaterThan(refused, bytes.count * 9 / 10)
    }

    /// Subgraphs nested far beyond protobuf's recursion limit (100): refused, no stack overflow.
    func testDeeplyNestedSubgraphs() throws {
        func field(_ number: UInt64, _ payload: [UInt8]) -> [UInt8] {
            ProtobufScanner.varint(number << 3 | 2) + ProtobufScanner.varint(UInt64(payload.count)) + payload
        }
        // GraphProto.node(1) -> NodeProto.attribute(5) -> AttributeProto.g(6) -> GraphProto ...
        func nested(_ levels: Int) -> [UInt8] {
            var graph: [UInt8] = field(2, Array("leaf".utf8))
            for _ in 0..<levels {
                let attribute = field(1, Array("g".utf8)) + [0xA0, 0x01, 0x05] + field(6, graph)  // name, type = GRAPH, g
                let node = field(4, Array("If".utf8)) + field(5, attribute)
                graph = field(1, node)
            }
            // ModelProto: ir_version 8, opset_import {version 17}, graph.
            return [0x08, 0x08] + field(8, [0x10, 0x11]) + field(7, graph)
        }
        let directory = try makeTemporaryDirectory(self)
        let shallow = directory.appendingPathComponent("shallow.onnx")
        try Data(nested(5)).write(to: shallow)
        var graph = try ONNXReader.read(contentsOf: shallow).graph
        for _ in 0..<5 { graph = try XCTUnwrap(graph.nodes.first?.attributes["g"]?.graphValue) }
        XCTAssertEqual(graph.name, "leaf")
        let deep = directory.appendingPathComponent("deep.onnx")
        try Data(nested(2000)).write(to: deep)
        assertError(deep) { if case .malformedModel = $0 { return true } else { return false } }
    }

    /// Inconsistent tensors inside a well-formed protobuf.
    func testInconsistentTensors() throws {
        let directory = try makeTemporaryDirectory(self)
        func graph(_ tensor: ONNXTensor) -> ONNXModel {
            ONNXModel(irVersion: 8, opsetImports: [ONNXOpsetImport(domain: "", version: 17)],
                      graph: ONNXGraphProto(name: "g", initializers: [tensor]))
        }
        let cases: [(String, ONNXTensor)] = [
            ("short-raw", ONNXTensor(name: "w", dataType: .float, dims: [4], data: .raw(Data(count: 12)))),
            ("negative-dim", ONNXTensor(name: "w", dataType: .float, dims: [-1, 4], data: .raw(Data()))),
            ("overflow-dims", ONNXTensor(name: "w", dataType: .float, dims: [1 << 31, 1 << 31, 1 << 31], data: .raw(Data(count: 4)))),
            ("huge-dims", ONNXTensor(name: "w", dataType: .double, dims: [1 << 31, 1 << 31], data: .raw(Data(count: 8)))),
            ("typed-count", ONNXTensor(name: "w", dataType: .float, dims: [3], data: .floats([1, 2]))),
            ("typed-overflow", ONNXTensor(name: "w", dataType: .complex64, dims: [Int.max / 2 + 1], data: .floats([1]))),
            ("wrong-field", ONNXTensor(name: "w", dataType: .int64, dims: [1], data: .floats([1]))),
            ("string-raw", ONNXTensor(name: "w", dataType: .string, dims: [1], data: .raw(Data([65])))),
        ]
        for (name, tensor) in cases {
            let url = directory.appendingPathComponent("\(name).onnx")
            var model = graph(tensor)
            model.directory = nil
            try ProtoEncoder(source: url.path).encode(model).serialized(source: url.path).write(to: url)
            assertError(url) { error in
                guard case let .invalidTensor(_, tensor, _) = error else { return false }
                return tensor == "w"
            }
        }
    }
}

/// A tiny deterministic generator for test data (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }
}
