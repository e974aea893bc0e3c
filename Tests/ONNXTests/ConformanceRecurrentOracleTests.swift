import Foundation
import XCTest
import WinnowTestSupport
@testable import ONNX

/// RNN/GRU/LSTM forms the node suite does not cover, against onnxruntime: the script writes
/// backend-style test folders (inputs and onnxruntime's outputs) and the conformance runner
/// must pass every one.
final class ConformanceRecurrentOracleTests: XCTestCase {
    func testRecurrentVariantsMatchOnnxRuntime() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("conformance/make-recurrent-cases.py")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-recurrent-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let python = try PythonOracle.execute(file: script, arguments: [folder.path])
        let message = python.stderr
        if python.status != 0 && message.contains("ModuleNotFoundError") {
            throw XCTSkip("python3 with onnx and onnxruntime is needed for this oracle (scripts/install-deps installs them): \(message)")
        }
        XCTAssertEqual(python.status, 0, message)
        let summary = try ConformanceRunner().run(directory: folder)
        XCTAssertEqual(summary.total, 7)
        for test in summary.tests {
            XCTAssertEqual(test.status, .passed, "\(test.name): \(test.reason)")
        }
    }
}
