import Foundation
import XCTest
import WinnowTestSupport
@testable import ONNX

/// libonnx's checker and shape inference as advisory checks, against pip onnx's verdicts.
final class CheckerTests: XCTestCase {
    static let inferScript = PythonOracle.prelude + #"""
    model = onnx.shape_inference.infer_shapes(onnx.load(sys.argv[1]), strict_mode=True)
    infos = {}
    for v in model.graph.value_info:
        dims = [d.dim_value if d.HasField("dim_value") else d.dim_param if d.HasField("dim_param") else None
                for d in v.type.tensor_type.shape.dim]
        infos[v.name] = {"elem": v.type.tensor_type.elem_type, "dims": dims}
    print(json.dumps(infos))
    """#

    func testVerdictsAndInferredShapesMatchPipOnnx() throws {
        let directory = try makeTemporaryDirectory(self)
        try TestModels.build(in: directory)
        let cnn = try ONNXReader.read(contentsOf: directory.appendingPathComponent("cnn.onnx"))
        XCTAssertEqual(ONNXChecker.check(cnn), .passed)

        // libonnx 1.12 knows IR <= 8: the dynamo-style IR 10 file is not judged.
        let dynamo = try ONNXReader.read(contentsOf: directory.appendingPathComponent("dynamo.onnx"))
        guard case let .skipped(reason) = ONNXChecker.check(dynamo) else { return XCTFail("IR 10 was checked") }
        XCTAssertTrue(reason.contains("IR version 10"), reason)

        // A node reading a value nothing defines: both checkers refuse.
        var broken = cnn
        broken.graph.nodes[2].inputs = ["nowhere"]
        guard case let .failed(message) = ONNXChecker.check(broken) else { return XCTFail("broken model passed") }
        XCTAssertTrue(message.contains("nowhere"), message)
        let url = directory.appendingPathComponent("broken.onnx")
        try ONNXWriter().write(broken, to: url)
        XCTAssertNotEqual(try PythonOracle.dump(url, in: directory)["checker"] as? String, "ok")

        // Shape inference gives what pip onnx's gives for every intermediate value.
        let inferred = ONNXChecker.inferShapes(cnn)
        XCTAssertEqual(inferred.advisory, .passed)
        let output = try PythonOracle.run(Self.inferScript, name: "infer", in: directory,
                                          arguments: [directory.appendingPathComponent("cnn.onnx").path])
        let want = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [String: Any]])
        XCTAssertGreaterThan(want.count, 8)
        let got = Dictionary(uniqueKeysWithValues: inferred.valueInfo.map { ($0.name, $0) })
        for (name, info) in want {
            let value = try XCTUnwrap(got[name], "libonnx inferred nothing for \(name)")
            XCTAssertEqual(Int(value.elementType?.rawValue ?? -1), info["elem"] as? Int, name)
            let dims = (info["dims"] as? [Any])?.map { dim -> ONNXDimension in
                if let size = dim as? Int { return .known(size) }
                if let symbol = dim as? String { return .symbolic(symbol) }
                return .unknown
            }
            XCTAssertEqual(value.dims, dims, name)
        }
        XCTAssertEqual(ONNXChecker.inferShapes(dynamo).advisory, ONNXChecker.check(dynamo))
    }
}
