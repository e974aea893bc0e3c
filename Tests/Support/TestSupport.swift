import Foundation
import XCTest

// Shared by the test targets (WinnowTestSupport): tolerance checks, deterministic test data,
// temporary folders and the Python oracle runner.

/// Element-wise closeness with an absolute and a relative tolerance.
public func assertClose(_ actual: [Double], _ expected: [Double], abs: Double, rel: Double, _ message: String = "",
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
public struct TestNumbers {
    public var state: UInt64
    public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    /// Uniform in [-1, 1).
    public mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) * 0x1.0p-52 - 1
    }
    public mutating func array(_ count: Int, scale: Double = 1) -> [Double] { (0..<count).map { _ in next() * scale } }
}

/// A fresh temporary folder, removed when the test ends.
public func makeTemporaryDirectory(_ testCase: XCTestCase, prefix: String = "winnow-training") throws -> URL {
    let url = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
        .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Runs a Python script (numpy, pip onnx, onnxruntime) as an independent oracle.
public enum PythonOracle {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// What one python3 run left: its exit status and everything it wrote.
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `script` with `directory` as its working folder and returns its stdout; a non-zero
    /// exit throws with its stderr.
    @discardableResult
    public static func run(_ script: String, name: String = "oracle", in directory: URL, arguments: [String] = []) throws -> String {
        let output = try execute(script, name: name, in: directory, arguments: arguments)
        guard output.status == 0 else {
            throw Failure(description: "python oracle '\(name)' failed (status \(output.status)); it needs python3 with numpy, onnx, onnxruntime (scripts/install-deps):\n\(output.stderr)\(output.stdout)")
        }
        return output.stdout
    }

    /// Runs `script` (saved as `<name>.py` in a private scratch folder, so `directory` gets only
    /// what the script itself writes) with `directory` as its working folder; returns status,
    /// stdout and stderr whatever the status. Throws only when python3 cannot start.
    public static func execute(_ script: String, name: String = "oracle", in directory: URL, arguments: [String] = []) throws -> Output {
        try withScratch { scratch in
            let scriptURL = scratch.appendingPathComponent("\(name).py")
            try script.write(to: scriptURL, atomically: true, encoding: .utf8)
            return try launch(scriptURL, arguments: arguments, in: directory, scratch: scratch)
        }
    }

    /// Runs the script `file` with `arguments` (working folder `directory`, or the caller's when
    /// nil); returns status, stdout and stderr whatever the status. Throws only when python3
    /// cannot start.
    public static func execute(file: URL, in directory: URL? = nil, arguments: [String] = []) throws -> Output {
        try withScratch { try launch(file, arguments: arguments, in: directory, scratch: $0) }
    }

    private static func withScratch<T>(_ body: (URL) throws -> T) throws -> T {
        let scratch = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
            .appendingPathComponent("winnow-python-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        return try body(scratch)
    }

    /// stdout and stderr go to files in `scratch`, so neither can fill a pipe and stall python.
    private static func launch(_ script: URL, arguments: [String], in directory: URL?, scratch: URL) throws -> Output {
        let outURL = scratch.appendingPathComponent("python.stdout")
        let errURL = scratch.appendingPathComponent("python.stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        if let directory { process.currentDirectoryURL = directory }
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
        return Output(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}
