import Foundation
import XCTest
import WinnowTestSupport

/// `winnow zoo build`: options reach the file (checked by onnxruntime), JSON contract, bad input.
final class ZooCLITests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-zoo-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testBuildWithOptionsRunsInOnnxruntime() throws {
        let out = directory.appendingPathComponent("zoo").path
        let result = try CLI.run(["zoo", "build", "resnet8", "--channels", "3", "--size", "32", "--classes", "100", "--seed", "4", "--out", out, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let models = try XCTUnwrap(object["models"] as? [[String: Any]])
        XCTAssertEqual(models.count, 1)
        XCTAssertEqual(models[0]["name"] as? String, "resnet8")
        let path = try XCTUnwrap(models[0]["path"] as? String)
        XCTAssertEqual(models[0]["bytes"] as? Int, (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
        let python = try PythonOracle.execute("""
        import sys, numpy as np, onnx, onnxruntime as ort
        onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)
        s = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
        y = s.run(None, {"input": np.zeros((5, 3, 32, 32), np.float32)})[0]
        print(y.shape[0], y.shape[1])
        """, name: "check", in: directory, arguments: [path])
        let printed = python.stdout
        XCTAssertEqual(python.status, 0, "python3 with onnx and onnxruntime is required")
        XCTAssertEqual(printed.trimmingCharacters(in: .whitespacesAndNewlines), "5 100")
    }

    func testBuildAllWritesEveryModel() throws {
        let out = directory.appendingPathComponent("all").path
        let result = try CLI.run(["zoo", "build", "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "", "human text goes to stderr")
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        XCTAssertEqual(files, ["ddpm-unet32.onnx", "lenet-300-100.onnx", "resnet20.onnx", "resnet8.onnx"])
        XCTAssertTrue(result.stderr.contains("266610 trainable parameters"), result.stderr)
    }

    func testBadInputIsAClearError() throws {
        let out = directory.path
        let unknown = try CLI.run(["zoo", "build", "resnet9", "--out", out])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("resnet8"), unknown.stderr)
        let unnamed = try CLI.run(["zoo", "build", "--classes", "5", "--out", out])
        XCTAssertEqual(unnamed.status, 2)
        XCTAssertTrue(unnamed.stderr.contains("name it"), unnamed.stderr)
        let classes = try CLI.run(["zoo", "build", "ddpm-unet32", "--classes", "5", "--out", out])
        XCTAssertEqual(classes.status, 1)
        XCTAssertTrue(classes.stderr.contains("not a classifier"), classes.stderr)
        let size = try CLI.run(["zoo", "build", "ddpm-unet32", "--size", "30", "--out", out])
        XCTAssertEqual(size.status, 1)
        XCTAssertTrue(size.stderr.contains("multiple of 4"), size.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), [], "nothing written on error")
    }
}
