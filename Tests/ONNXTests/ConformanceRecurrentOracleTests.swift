import Foundation
import XCTest
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, folder.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if process.terminationStatus != 0 && message.contains("ModuleNotFoundError") {
            throw XCTSkip("python3 with onnx and onnxruntime is needed for this oracle (scripts/install-deps installs them): \(message)")
        }
        XCTAssertEqual(process.terminationStatus, 0, message)
        let summary = try ConformanceRunner().run(directory: folder)
        XCTAssertEqual(summary.total, 7)
        for test in summary.tests {
            XCTAssertEqual(test.status, .passed, "\(test.name): \(test.reason)")
        }
    }
}
