import Foundation
import XCTest
import ModelGraph
import TensorCore
@testable import Metrics

/// Metrics against closed-form cases worked out by hand.
final class MetricsTests: XCTestCase {
    func testMetricNamesAreTheDocumentedSpellings() {
        XCTAssertEqual(MetricName.allCases.map(\.rawValue), ["train/loss", "train/accuracy", "test/loss", "test/accuracy", "lr"])
    }

    func testTallyCountsTopOneAndWeightsBatchMeans() throws {
        // Rows: argmax 2, argmax 0, a tie between 0 and 1 (first wins → 0), argmax 1.
        let logits = try Tensor(shape: [4, 3], scalars: [Float(0), 1, 5, 3, 2, 1, 4, 4, 0, -1, 2, 1])
        var tally = ClassificationTally()
        try tally.add(logits: logits, labels: [2, 1, 0, 1], losses: [1, 2, 3, 4])
        XCTAssertEqual(tally.samples, 4)
        XCTAssertEqual(tally.correct, 3)
        XCTAssertEqual(tally.meanLoss, 2.5)
        // A second batch given as its mean loss counts once per sample.
        try tally.add(logits: try Tensor(shape: [2, 3], scalars: [Float(1), 0, 0, 0, 0, 1]), labels: [1, 2], losses: [0.5])
        XCTAssertEqual(tally.samples, 6)
        XCTAssertEqual(tally.accuracy, 4.0 / 6.0, accuracy: 1e-15)
        XCTAssertEqual(tally.meanLoss, (10 + 1) / 6.0, accuracy: 1e-15)
    }

    func testTallyRejectsBadLabelsAndShapes() throws {
        var tally = ClassificationTally()
        let logits = Tensor(zeros: [2, 3])
        XCTAssertThrowsError(try tally.add(logits: logits, labels: [0, 3], losses: [0, 0])) { error in
            XCTAssertEqual(error as? MetricsError, .invalidLabel(index: 1, label: 3, classes: 3))
        }
        XCTAssertThrowsError(try tally.add(logits: logits, labels: [0], losses: [0]))
        XCTAssertThrowsError(try tally.add(logits: logits, labels: [0, 1], losses: [0, 0, 0]))
        XCTAssertEqual(tally.samples, 0, "a rejected batch must not count")
    }

    /// y = x·Bᵀ + C with B (3, 4) half zero: 12 dense MACs, 6 effective; 15 parameters, 9 nonzero.
    func testModelSizeCountsParametersZerosAndEffectiveMACs() throws {
        let b = try Tensor(shape: [3, 4], scalars: [Float(1), 0, 2, 0, 0, 3, 0, 4, 5, 0, 6, 0])
        let c = try Tensor(shape: [3], scalars: [Float(1), 2, 3])
        let graph = Graph(
            inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.symbolic("N"), .known(4)])],
            outputs: [ValueInfo(name: "y")],
            nodes: [Node(name: "fc", opType: "Gemm", inputs: ["x", "B", "C"], outputs: ["y"], attributes: ["transB": .int(1)])],
            initializers: [Parameter(name: "B", value: b), Parameter(name: "C", value: c)])
        let size = try ModelSize(graph: graph, profile: GraphProfile(graph: graph, symbolicSize: 2))
        XCTAssertEqual(size.parameters, 15)
        XCTAssertEqual(size.nonzeroParameters, 9)
        XCTAssertEqual(size.sparsity, 6.0 / 15.0, accuracy: 1e-15)
        XCTAssertEqual(size.denseMACs, 2 * 12)
        XCTAssertEqual(size.effectiveMACs, 2 * 6)
        XCTAssertNil(size.fileBytes)
    }

    func testFileBytesIncludeTheExternalDataBesideTheModel() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(count: 1000).write(to: folder.appendingPathComponent("m.onnx"))
        try Data(count: 234).write(to: folder.appendingPathComponent("m.onnx.data"))
        try Data(count: 50).write(to: folder.appendingPathComponent("other.data"))
        XCTAssertEqual(try ModelSize.fileBytes(of: folder.appendingPathComponent("m.onnx")), 1234)
        XCTAssertThrowsError(try ModelSize.fileBytes(of: folder.appendingPathComponent("missing.onnx"))) { error in
            XCTAssertTrue("\(error)".contains("no such file"), "\(error)")
        }
    }
}
