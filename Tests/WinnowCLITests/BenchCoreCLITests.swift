import Foundation
import XCTest

/// `winnow bench core`: the JSON contract and the error exits.
final class BenchCoreCLITests: XCTestCase {
    func testJSONIsOneObjectWithTheDocumentedFields() throws {
        let result = try CLI.run(["bench", "core", "--json", "--repeats", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "stdout must hold exactly one JSON object, got: \(result.stdout)")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])

        let sgemm = try XCTUnwrap(object["sgemm_gflops"] as? [String: Double])
        XCTAssertEqual(Set(sgemm.keys), ["512", "1024"])
        XCTAssertTrue(sgemm.values.allSatisfy { $0 > 0 && $0.isFinite })

        let conv = try XCTUnwrap(object["conv"] as? [[String: Any]])
        let names = conv.compactMap { $0["name"] as? String }
        XCTAssertEqual(Set(names), ["3x3-c16-28", "3x3-c32-14", "3x3-c64-7", "1x1-c16-28", "1x1-c32-14", "1x1-c64-7"])
        for layer in conv {
            XCTAssertEqual(layer["batch"] as? Int, 128)
            for key in ["forward_gflops", "backward_gflops", "forward_fraction", "backward_fraction"] {
                let value = try XCTUnwrap(layer[key] as? Double, "\(key) missing in \(layer)")
                XCTAssertGreaterThan(value, 0)
            }
            // fraction = layer GFLOPS / 1024³ sgemm GFLOPS, as documented.
            let fwd = try XCTUnwrap(layer["forward_gflops"] as? Double)
            let frac = try XCTUnwrap(layer["forward_fraction"] as? Double)
            XCTAssertEqual(frac, fwd / sgemm["1024"]!, accuracy: 1e-9)
        }
        let depthwise = try XCTUnwrap(object["depthwise"] as? [String: Any])
        let gbps = try XCTUnwrap(depthwise["gbps"] as? Double)
        let memcpy = try XCTUnwrap(depthwise["memcpy_gbps"] as? Double)
        let fraction = try XCTUnwrap(depthwise["fraction"] as? Double)
        XCTAssertEqual(fraction, gbps / memcpy, accuracy: 1e-9)
        XCTAssertFalse(result.stderr.isEmpty, "progress belongs on stderr")
    }

    func testThreadsFlagIsReported() throws {
        let result = try CLI.run(["bench", "core", "--json", "--repeats", "1", "--threads", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["threads"] as? Int, 1)
    }

    func testBadUsageExitsWithTwoAndAMessage() throws {
        let zero = try CLI.run(["bench", "core", "--threads", "0"])
        XCTAssertEqual(zero.status, 2)
        XCTAssertTrue(zero.stderr.contains("--threads"), zero.stderr)
        XCTAssertTrue(zero.stdout.isEmpty)

        let unknown = try CLI.run(["bench", "core", "--no-such-flag"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("no-such-flag"), unknown.stderr)
    }
}
