import XCTest
@testable import ModelGraph
import TensorCore

/// The executor on small hand-built graphs, against values computed by hand.
final class ExecutorTests: XCTestCase {
    func smallGraph() throws -> Graph {
        // y = Relu(Gemm(x, W, b)) + 1, with W (3, 2) transposed (transB).
        let w = Parameter(name: "W", value: try Tensor(shape: [3, 2], scalars: [Float(1), 2, -1, 0, 0.5, 0.5]))
        let b = Parameter(name: "b", value: try Tensor(shape: [3], scalars: [Float(0), 1, -10]))
        let one = Node(name: "one", opType: "Constant", inputs: [], outputs: ["one"], attributes: ["value": .tensor(Tensor(scalar: Float(1)))])
        let gemm = Node(name: "fc", opType: "Gemm", inputs: ["x", "W", "b"], outputs: ["h"], attributes: ["transB": .int(1)])
        let relu = Node(name: "act", opType: "Relu", inputs: ["h"], outputs: ["r"])
        let add = Node(name: "plus", opType: "Add", inputs: ["r", "one"], outputs: ["y"])
        return Graph(inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.symbolic("N"), .known(2)])],
                     outputs: [ValueInfo(name: "y", dtype: .float32)],
                     nodes: [add, relu, gemm, one], initializers: [w, b])
    }

    func testRunsInTopologicalOrderAndComputesByHand() throws {
        let executor = try Executor(graph: smallGraph())
        let x = try Tensor(shape: [2, 2], scalars: [Float(1), 1, 2, -1])
        let y = try XCTUnwrap(executor.run(["x": x])["y"])
        // Row 1: W·x = (3, -1, 1) + b = (3, 0, -9) → relu (3, 0, 0) + 1.
        // Row 2: W·x = (0, -2, 0.5) + b = (0, -1, -9.5) → (0, 0, 0) + 1.
        XCTAssertEqual(y.shape, [2, 3])
        XCTAssertEqual(y.doubles(), [4, 1, 1, 1, 1, 1])
    }

    func testTrainingModeReachesEveryParameter() throws {
        let graph = try smallGraph()
        let executor = try Executor(graph: graph)
        let x = try Tensor(shape: [1, 2], scalars: [Float(1), 1])
        let y = try XCTUnwrap(executor.run(["x": x], training: true)["y"])
        try y.sum().backward()
        // Only the first unit is active: dW row 0 = x, db = (1, 0, 0).
        XCTAssertEqual(graph.parameter(named: "W")?.grad?.doubles(), [1, 1, 0, 0, 0, 0])
        XCTAssertEqual(graph.parameter(named: "b")?.grad?.doubles(), [1, 0, 0])
    }

    func testBadFeedsAreNamed() throws {
        let executor = try Executor(graph: smallGraph())
        XCTAssertThrowsError(try executor.run(["z": Tensor(zeros: [1, 2])])) { error in
            XCTAssertTrue("\(error)".contains("'z'"), "\(error)")
        }
        XCTAssertThrowsError(try executor.run(["x": Tensor(zeros: [1, 3])])) { error in
            XCTAssertTrue("\(error)".contains("axis 1 must be 2"), "\(error)")
        }
        XCTAssertThrowsError(try executor.run(["x": Tensor(zeros: [1, 2], dtype: .float64)])) { error in
            XCTAssertTrue("\(error)".contains("dtype"), "\(error)")
        }
    }

    func testUnsupportedOperatorsAreListedTogetherBeforeRunning() throws {
        let graph = Graph(inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "z")], nodes: [
            Node(name: "a", opType: "NoSuchOp", inputs: ["x"], outputs: ["y"]),
            Node(name: "b", opType: "AlsoMissing", inputs: ["y"], outputs: ["z"]),
            Node(name: "c", opType: "NoSuchOp", inputs: ["x"], outputs: ["w"]),
        ])
        XCTAssertThrowsError(try Executor(graph: graph)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("NoSuchOp") && text.contains("AlsoMissing"), text)
            XCTAssertTrue(text.contains("a, c"), text)
        }
    }

    func testCyclesAndMissingValuesAreRefused() throws {
        let cyclic = Graph(inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "b")], nodes: [
            Node(name: "n1", opType: "Relu", inputs: ["b"], outputs: ["a"]),
            Node(name: "n2", opType: "Relu", inputs: ["a"], outputs: ["b"]),
        ])
        XCTAssertThrowsError(try Executor(graph: cyclic))
        let dangling = Graph(inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "a")], nodes: [
            Node(name: "n1", opType: "Add", inputs: ["x", "nowhere"], outputs: ["a"]),
        ])
        XCTAssertThrowsError(try Executor(graph: dangling)) { error in
            XCTAssertTrue("\(error)".contains("nowhere"), "\(error)")
        }
    }

    func testOpsetSixBroadcastAxis() throws {
        let graph = Graph(opsetImports: ["": 6], inputs: [ValueInfo(name: "a"), ValueInfo(name: "b")], outputs: [ValueInfo(name: "y")], nodes: [
            Node(name: "add", opType: "Add", inputs: ["a", "b"], outputs: ["y"], attributes: ["broadcast": .int(1), "axis": .int(1)]),
        ])
        let a = Tensor(zeros: [2, 3, 2])
        let b = try Tensor(shape: [3], scalars: [Float(1), 2, 3])
        let y = try XCTUnwrap(Executor(graph: graph).run(["a": a, "b": b])["y"])
        XCTAssertEqual(y.doubles(), [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3])
    }
}
