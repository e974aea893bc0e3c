import Foundation
import XCTest

/// Element-wise closeness with an absolute and a relative tolerance.
func assertClose(_ actual: [Double], _ expected: [Double], abs: Double, rel: Double, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("\(message): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        return
    }
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let tolerance = abs + rel * Swift.abs(e)
        if !(Swift.abs(a - e) <= tolerance) {
            XCTFail("\(message): element \(i) is \(a), expected \(e) (tolerance \(tolerance))", file: file, line: line)
            return
        }
    }
}

/// A small deterministic sequence for test data (no dependence on the code under test).
struct TestNumbers {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    /// Uniform in [-1, 1).
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) * 0x1.0p-52 - 1
    }
    mutating func array(_ count: Int, scale: Double = 1) -> [Double] { (0..<count).map { _ in next() * scale } }
}

/// A fresh temporary folder, removed when the test ends.
func makeTemporaryDirectory(_ testCase: XCTestCase, prefix: String = "winnow-training") throws -> URL {
    let url = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
        .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Runs a Python script (numpy, pip onnx, onnxruntime) as an independent oracle.
enum PythonOracle {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Writes `script` to `directory/<name>.py`, runs it there and returns its stdout; a
    /// non-zero exit throws with its stderr.
    @discardableResult
    static func run(_ script: String, name: String = "oracle", in directory: URL, arguments: [String] = []) throws -> String {
        let scriptURL = directory.appendingPathComponent("\(name).py")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        let outURL = directory.appendingPathComponent("\(name).stdout")
        let errURL = directory.appendingPathComponent("\(name).stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptURL.path] + arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["OMP_NUM_THREADS"] = "1"
        process.environment = environment
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw Failure(description: "cannot start python3 (\(error)); run scripts/install-deps")
        }
        process.waitUntilExit()
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python oracle '\(name)' failed (status \(process.terminationStatus)); it needs python3 with numpy, onnx, onnxruntime (scripts/install-deps):\n\(stderr)\(stdout)")
        }
        return stdout
    }
}
