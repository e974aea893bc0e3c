import Foundation
import XCTest

/// `winnow bench train`: the JSON contract without a peer, bad options, and the torch peer's
/// failure paths (torch itself is never installed in CI; the peer was checked by hand against
/// a venv under /tmp).
final class BenchTrainCLITests: XCTestCase {
    private func object(_ text: String) throws -> [String: Any] {
        let data = Data(text.utf8)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], "not a JSON object: \(text)")
    }

    func testJSONContractWithoutPeer() throws {
        let result = try CLI.run(["bench", "train", "--model", "lenet-300-100", "--batch", "16", "--steps", "3", "--warmups", "1", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try object(result.stdout)
        XCTAssertEqual(json["model"] as? String, "lenet-300-100")
        XCTAssertEqual(json["batch"] as? Int, 16)
        XCTAssertEqual(json["steps"] as? Int, 3)
        XCTAssertEqual(json["parameters"] as? Int, 266_610)
        let rate = try XCTUnwrap(json["images_per_second"] as? Double)
        let step = try XCTUnwrap(json["step_ms"] as? Double)
        XCTAssertGreaterThan(rate, 0)
        XCTAssertEqual(rate, 16 / (step / 1000), accuracy: rate * 1e-9, "images per second is the batch over the median step")
        let spread = try XCTUnwrap(json["step_spread_ms"] as? [Double])
        XCTAssertLessThanOrEqual(spread[0], step)
        XCTAssertGreaterThanOrEqual(spread[1], step)
        XCTAssertNil(json["ratio"], "no peer, no ratio")
        XCTAssertNotNil(json["blas_core"] as? String)
        XCTAssertTrue(result.stdout.hasSuffix("\n") || !result.stdout.contains("\n\n"))
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 1, "one JSON object on stdout")
    }

    func testBadOptionsExitTwo() throws {
        let unknown = try CLI.run(["bench", "train", "--model", "resnet9"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("resnet8"), unknown.stderr)
        let peer = try CLI.run(["bench", "train", "--peer", "tensorflow"])
        XCTAssertEqual(peer.status, 2)
        XCTAssertTrue(peer.stderr.contains("torch"), peer.stderr)
        let steps = try CLI.run(["bench", "train", "--steps", "0"])
        XCTAssertEqual(steps.status, 2)
    }

    /// A Python whose `torch` fails to import: the peer script's own message comes through, the
    /// command exits 1 and prints nothing on stdout.
    func testPeerWithoutTorchFailsClearly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-bench-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "raise ImportError('no torch in this test')\n".write(to: folder.appendingPathComponent("torch.py"), atomically: true, encoding: .utf8)
        let python = folder.appendingPathComponent("python-without-torch")
        try "#!/bin/sh\nPYTHONPATH='\(folder.path)' exec python3 \"$@\"\n".write(to: python, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: python.path)
        let result = try CLI.run(["bench", "train", "--model", "lenet-300-100", "--batch", "8", "--steps", "2", "--warmups", "0",
                                  "--peer", "torch", "--python", python.path, "--json"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("torch is not importable"), result.stderr)
        XCTAssertTrue(result.stderr.contains("no torch in this test"), result.stderr)
        XCTAssertEqual(result.stdout, "")

        let missing = try CLI.run(["bench", "train", "--model", "lenet-300-100", "--steps", "1", "--peer", "torch",
                                   "--python", "/nonexistent/python3"])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("torch peer"), missing.stderr)
    }
}
