import Foundation
import XCTest
@testable import ModelGraph

/// The registry is the one explicit list: every operator file must be in it, and versions must
/// be real ONNX since-versions.
final class RegistryTests: XCTestCase {
    var operatorsFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/ModelGraph/Operators")
    }

    func testEveryOperatorFileIsRegistered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: operatorsFolder.path).filter { $0.hasSuffix(".swift") }
        let registered = Set(OperatorRegistry.builtIn.operators.map(\.opType))
        var declared = 0
        for file in files {
            let text = try String(contentsOf: operatorsFolder.appendingPathComponent(file), encoding: .utf8)
            // Each operator file declares `public static let opType = "Name"`.
            for line in text.split(separator: "\n") where line.contains("static let opType = \"") {
                let name = line.split(separator: "\"")[1]
                declared += 1
                XCTAssertTrue(registered.contains(String(name)), "\(file) declares operator \(name) but OperatorRegistry.builtIn does not list it")
                XCTAssertEqual(file, "\(name).swift", "operator \(name) should live in \(name).swift")
            }
        }
        XCTAssertEqual(declared, registered.count, "every registered operator has its own file")
    }

    func testVersionsAreONNXSinceVersions() {
        for entry in OperatorRegistry.builtIn.operators where entry.domain.isEmpty {
            let history = OpsetHistory.sinceVersions[entry.opType] ?? []
            XCTAssertFalse(history.isEmpty, "\(entry.opType) is not an ONNX operator")
            for v in entry.versions {
                XCTAssertTrue(history.contains(v), "\(entry.opType) lists version \(v), which is not one of ONNX's since-versions \(history)")
            }
        }
    }

    func testResolutionPicksTheLatestSchemaAtOrBelowTheOpset() {
        let registry = OperatorRegistry.builtIn
        XCTAssertEqual(registry.schemaVersion(opType: "Add", domain: "", opset: 17), 14)
        XCTAssertEqual(registry.schemaVersion(opType: "Add", domain: "", opset: 12), 7)
        XCTAssertEqual(registry.schemaVersion(opType: "Conv", domain: "ai.onnx", opset: 18), 11)
        let node = Node(name: "n", opType: "Add", inputs: ["a", "b"], outputs: ["c"])
        XCTAssertEqual(registry.implementation(for: node, opset: 13)?.version, 13)
        XCTAssertNil(registry.implementation(for: node, opset: 1), "Add-1 (consumed_inputs) is not implemented")
    }
}
