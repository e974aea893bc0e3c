import Foundation
import XCTest

/// `winnow conformance`: JSON shape on stdout, filtering, and `--expected` naming regressions.
final class ConformanceCLITests: XCTestCase {
    static let node = "/usr/share/libonnx-testdata/data/node"

    func requireData() throws {
        guard FileManager.default.fileExists(atPath: Self.node) else {
            throw XCTSkip("ONNX conformance data not installed at \(Self.node) (apt-get install libonnx-testdata)")
        }
    }

    func testJSONIsOneObjectWithCounts() throws {
        try requireData()
        let result = try CLI.run(["conformance", Self.node, "--json", "--filter", "test_relu"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["total", "passed", "failed", "skipped", "tests"])
        let tests = try XCTUnwrap(object["tests"] as? [[String: Any]])
        let names = tests.compactMap { $0["name"] as? String }
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: Self.node).filter { $0.contains("test_relu") }.sorted()
        XCTAssertEqual(names, onDisk)
        XCTAssertEqual(object["total"] as? Int, onDisk.count)
        let counts = ["passed", "failed", "skipped"].map { key in tests.filter { $0["status"] as? String == key }.count }
        XCTAssertEqual([object["passed"] as? Int, object["failed"] as? Int, object["skipped"] as? Int], counts.map { Optional($0) })
        XCTAssertTrue(names.contains("test_relu"))
        XCTAssertEqual(tests.first { $0["name"] as? String == "test_relu" }?["status"] as? String, "passed")
        for test in tests { XCTAssertEqual(Set(test.keys), ["name", "status", "reason"]) }
    }

    func testExpectedListNamesTestsThatDidNotPass() throws {
        try requireData()
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-expected-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: list) }
        // test_strnormalizer_export_monday_casesensintive_lower uses an op Winnow lacks (StringNormalizer) (skipped), test_cast_FLOAT_to_STRING needs a dtype it
        // lacks (failed), test_relu passes; a made-up name is not found.
        try "# header\ntest_relu\ntest_strnormalizer_export_monday_casesensintive_lower\ntest_cast_FLOAT_to_STRING  # needs strings\ntest_no_such_test\n".write(to: list, atomically: true, encoding: .utf8)
        let failing = try CLI.run(["conformance", Self.node, "--expected", list.path])
        XCTAssertEqual(failing.status, 1, failing.stderr)
        XCTAssertTrue(failing.stderr.contains("3 test(s) listed in"), failing.stderr)
        XCTAssertTrue(failing.stderr.contains("test_strnormalizer_export_monday_casesensintive_lower: skipped: op not registered: StringNormalizer"), failing.stderr)
        XCTAssertTrue(failing.stderr.contains("test_cast_FLOAT_to_STRING: failed:"), failing.stderr)
        XCTAssertTrue(failing.stderr.contains("test_no_such_test: not found"), failing.stderr)
        XCTAssertFalse(failing.stderr.contains("test_relu:"), failing.stderr)

        try "test_relu\ntest_abs\n".write(to: list, atomically: true, encoding: .utf8)
        let passing = try CLI.run(["conformance", Self.node, "--filter", "test_", "--expected", list.path])
        XCTAssertEqual(passing.status, 0, passing.stderr)
        XCTAssertTrue(passing.stdout.contains("total "), passing.stdout)
    }

    func testMissingFolderExitsWithAnError() throws {
        let result = try CLI.run(["conformance", "/nonexistent/conformance-folder"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("is not a folder of ONNX conformance tests"), result.stderr)
    }
}
