import Foundation
import XCTest
import WinnowTestSupport

/// `winnow train`: a run killed with SIGKILL after its first snapshot and resumed ends with a
/// model file byte-identical to an uninterrupted run; outputs run in onnxruntime; metrics lines.
final class TrainCLITests: XCTestCase {
    var directory: URL!
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-train-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func arguments(out: String) -> [String] {
        ["train", Self.root.appendingPathComponent("Models/lenet-300-100.onnx").path, "--data", "fashion-mnist",
         "--epochs", "400it", "--batch", "64", "--optimizer", "sgd", "--momentum", "0.9", "--nesterov", "--weight-decay", "5e-4",
         "--lr", "0.05", "--schedule", "onecycle", "--warmup", "0.15", "--augment", "crop:2,hflip", "--snapshot-every", "10it",
         "--seed", "0", "--threads", "2", "--out", out]
    }

    func testKilledRunResumesBitIdentically() throws {
        let reference = directory.appendingPathComponent("reference").path
        let result = try CLI.run(arguments(out: reference))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("test accuracy: 0."), result.stdout)

        let killed = directory.appendingPathComponent("killed")
        let snapshots = killed.appendingPathComponent("snapshots")
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments(out: killed.path)
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        // Kill once a few snapshots exist, so the run dies part-way with state on disk.
        while Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: snapshots.path)) ?? []
            if names.filter({ $0.hasPrefix("step-") }).count >= 3 { break }
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the run was killed before it finished; give it more steps if this fails")
        XCTAssertFalse(FileManager.default.fileExists(atPath: killed.appendingPathComponent("model.onnx").path))
        // The default retention (3) pruned older snapshots as the run went; resume finds the newest.
        let left = try FileManager.default.contentsOfDirectory(atPath: snapshots.path).filter { $0.hasPrefix("step-") }
        XCTAssertLessThanOrEqual(left.count, 3, "\(left)")

        let resumed = try CLI.run(arguments(out: killed.path) + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resumed from step-"), resumed.stderr)
        let a = try Data(contentsOf: URL(fileURLWithPath: reference).appendingPathComponent("model.onnx"))
        let b = try Data(contentsOf: killed.appendingPathComponent("model.onnx"))
        XCTAssertEqual(a, b, "model after kill -9 and resume differs from the uninterrupted run")
        let metricsA = try String(contentsOf: URL(fileURLWithPath: reference).appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        let metricsB = try String(contentsOf: killed.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        XCTAssertEqual(metricsA, metricsB)

        // Metrics: one JSON object per line with the four keys and the fixed names.
        var names = Set<String>()
        for line in metricsA.split(separator: "\n") {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(Set(object.keys), ["step", "epoch", "name", "value"])
            names.insert(try XCTUnwrap(object["name"] as? String))
        }
        XCTAssertEqual(names, ["train/loss", "train/accuracy", "lr", "test/loss", "test/accuracy"])

        // The written model runs in onnxruntime and agrees with the reported test accuracy.
        let script = """
        import gzip, sys, numpy as np, onnxruntime as ort
        d = '/usr/share/datasets/fashion-mnist/'
        tr = np.frombuffer(gzip.open(d + 'train-images-idx3-ubyte.gz').read()[16:], np.uint8).astype(np.float64) / 255
        x = np.frombuffer(gzip.open(d + 't10k-images-idx3-ubyte.gz').read()[16:], np.uint8).reshape(-1, 1, 28, 28) / 255
        y = np.frombuffer(gzip.open(d + 't10k-labels-idx1-ubyte.gz').read()[8:], np.uint8)
        x = ((x - tr.mean()) / tr.std()).astype(np.float32)
        s = ort.InferenceSession(sys.argv[1])
        print((s.run(None, {'input': x})[0].argmax(1) == y).mean())
        """
        let python = try PythonOracle.execute(script, name: "check", in: directory,
                                              arguments: [killed.appendingPathComponent("model.onnx").path])
        let text = python.stdout
        XCTAssertEqual(python.status, 0)
        let onnxAccuracy = try XCTUnwrap(Double(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        let reported = try XCTUnwrap(Double(result.stdout.replacingOccurrences(of: "test accuracy:", with: "").trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(onnxAccuracy, reported, accuracy: 0.002)
    }

    func snapshotNames(_ out: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("snapshots").path).sorted()
    }

    func testKeepSnapshotsRemovesOlderOnes() throws {
        func run(_ name: String, _ extra: [String]) throws -> URL {
            let out = directory.appendingPathComponent(name)
            let result = try CLI.run(["train", Self.root.appendingPathComponent("Models/lenet-300-100.onnx").path, "--data", "fashion-mnist",
                                      "--epochs", "20it", "--batch", "32", "--lr", "0.01", "--snapshot-every", "5it", "--seed", "1",
                                      "--threads", "2", "--out", out.path] + extra)
            XCTAssertEqual(result.status, 0, result.stderr)
            return out
        }
        let two = try run("two", ["--keep-snapshots", "2"])
        XCTAssertEqual(try snapshotNames(two), ["step-00000015.json", "step-00000020.json"])
        XCTAssertEqual(try snapshotNames(try run("default", [])), ["step-00000010.json", "step-00000015.json", "step-00000020.json"])
        XCTAssertEqual(try snapshotNames(try run("all", ["--keep-snapshots", "0"])),
                       ["step-00000005.json", "step-00000010.json", "step-00000015.json", "step-00000020.json"])
        // Resuming after pruning starts from the newest one and keeps pruning.
        let resumed = try CLI.run(["train", Self.root.appendingPathComponent("Models/lenet-300-100.onnx").path, "--data", "fashion-mnist",
                                   "--epochs", "30it", "--batch", "32", "--lr", "0.01", "--snapshot-every", "5it", "--seed", "1",
                                   "--threads", "2", "--keep-snapshots", "2", "--resume", "--out", two.path])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resumed from step-00000020.json"), resumed.stderr)
        XCTAssertEqual(try snapshotNames(two), ["step-00000025.json", "step-00000030.json"])
        let bad = try CLI.run(["train", Self.root.appendingPathComponent("Models/lenet-300-100.onnx").path, "--data", "fashion-mnist",
                               "--epochs", "1it", "--keep-snapshots", "-1", "--out", directory.appendingPathComponent("bad").path])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--keep-snapshots"), bad.stderr)
    }

    func testDistillationFromATeacherFile() throws {
        let out = directory.appendingPathComponent("kd")
        let result = try CLI.run(["train", Self.root.appendingPathComponent("Models/lenet-300-100.onnx").path, "--data", "fashion-mnist",
                                  "--epochs", "20it", "--batch", "64", "--optimizer", "sgd", "--momentum", "0.9", "--lr", "0.05",
                                  "--teacher", Self.root.appendingPathComponent("Models/resnet8.onnx").path,
                                  "--kd-alpha", "0.5", "--kd-temperature", "4", "--seed", "0", "--threads", "2", "--out", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("test accuracy: 0."), result.stdout)
        let model = out.appendingPathComponent("model.onnx")
        XCTAssertTrue(FileManager.default.fileExists(atPath: model.path))
        let metrics = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").filter { $0.contains("\"train/loss\"") }.count, 20)
        // The written student runs in onnxruntime with its 10 classes.
        let python = try PythonOracle.execute("import sys, numpy as np, onnxruntime as ort; s = ort.InferenceSession(sys.argv[1]); "
                                              + "print(s.run(None, {'input': np.zeros((2, 1, 28, 28), np.float32)})[0].shape)",
                                              name: "student", in: directory, arguments: [model.path])
        let text = python.stdout
        XCTAssertEqual(python.status, 0)
        XCTAssertEqual(text.trimmingCharacters(in: .whitespacesAndNewlines), "(2, 10)")
    }

    func testTeacherWithOtherClassesIsRefused() throws {
        let zoo = directory.appendingPathComponent("zoo")
        let built = try CLI.run(["zoo", "build", "lenet-300-100", "--classes", "5", "--out", zoo.path])
        XCTAssertEqual(built.status, 0, built.stderr)
        let out = directory.appendingPathComponent("kd-bad")
        let result = try CLI.run(["train", Self.root.appendingPathComponent("Models/resnet8.onnx").path, "--data", "fashion-mnist",
                                  "--epochs", "1it", "--teacher", zoo.appendingPathComponent("lenet-300-100.onnx").path, "--out", out.path])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("the teacher predicts 5 classes, the student 10"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("snapshots").path), "refused before the first step")
    }

    func testMismatchedModelIsRefused() throws {
        let result = try CLI.run(["train", Self.root.appendingPathComponent("Models/resnet20.onnx").path, "--data", "fashion-mnist",
                                  "--epochs", "1it", "--out", directory.appendingPathComponent("bad").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("channels"), result.stderr)
    }
}
