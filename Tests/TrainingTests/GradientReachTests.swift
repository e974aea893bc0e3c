import Datasets
import Foundation
import ModelGraph
import ModelZoo
import TensorCore
import WinnowTestSupport
import XCTest
@testable import Training

/// Trainable parameters that no gradient reaches (only through Floor, ArgMax, an integer cast,
/// or not into the trained output at all) are refused before the first step, by name; frozen
/// parameters, BatchNormalization statistics and gradients that are merely zero are not.
final class GradientReachTests: XCTestCase {
    /// input (N,1,28,28) → Flatten → Gemm(fc.weight, fc.bias) = "base" (N,10); `finish` adds
    /// the variant's nodes and returns the logits' value name.
    static func graph(_ finish: (GraphBuilder, String) throws -> String, extraOutput: ((GraphBuilder, String) -> String)? = nil) throws -> Graph {
        let b = GraphBuilder(seed: 1)
        let x = b.input("input", dtype: .float32, shape: [.symbolic("N"), .known(1), .known(28), .known(28)])
        let flat = b.apply("Flatten", "flatten", [x], attributes: ["axis": .int(1)])
        let base = try b.linear(flat, "fc", inFeatures: 784, outFeatures: 10)
        let logits = try finish(b, base)
        b.output(logits, dtype: .float32, shape: [.symbolic("N"), .known(10)])
        if let extraOutput { b.output(extraOutput(b, logits), dtype: .float32, shape: [.symbolic("N"), .known(10)]) }
        return b.build(name: "reach")
    }

    func makeTrainer(_ graph: Graph) throws -> Trainer {
        let data = try TrainerTests.bandData(count: 8, seed: 21)
        return try Trainer(graph: graph, data: try DataLoader(source: data, batchSize: 4, seed: 0), optimizer: try SGD(.init(learningRate: 0.1)),
                           schedule: try ConstantSchedule(learningRate: 0.1), configuration: .init(duration: .epochs(1)))
    }

    func assertRefused(_ graph: Graph, naming names: [String], reader: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try makeTrainer(graph), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("no gradient reaches the trainable parameter"), text, file: file, line: line)
            for name in names { XCTAssertTrue(text.contains("'\(name)'"), "\(name): \(text)", file: file, line: line) }
            XCTAssertTrue(text.contains(reader), text, file: file, line: line)
            XCTAssertFalse(text.contains("fc.weight") || text.contains("fc.bias"), "reached parameters are not listed: \(text)", file: file, line: line)
        }
    }

    func testParameterBehindFloorIsRefused() throws {
        let graph = try Self.graph { b, base in
            let gate = b.filledParameter("gate", shape: [10], value: 1.5)
            return b.apply("Mul", "gated", [base, b.apply("Floor", "round_gate", [gate])])
        }
        assertRefused(graph, naming: ["gate"], reader: "Floor 'round_gate'")
    }

    func testParameterBehindArgMaxOrAnIntegerCastIsRefused() throws {
        let argmax = try Self.graph { b, base in
            let aux = try b.uniformParameter("aux", shape: [10], bound: 1)
            let index = b.apply("ArgMax", "pick", [aux], attributes: ["axis": .int(0), "keepdims": .int(1)])
            let shift = b.apply("Cast", "index_float", [index], attributes: ["to": .int(1)])
            return b.apply("Add", "shifted", [base, shift])
        }
        assertRefused(argmax, naming: ["aux"], reader: "ArgMax 'pick'")
        let cast = try Self.graph { b, base in
            let q = try b.uniformParameter("q", shape: [10], bound: 3)
            let integer = b.apply("Cast", "to_int", [q], attributes: ["to": .int(7)])
            return b.apply("Add", "quantised", [base, b.apply("Cast", "back", [integer], attributes: ["to": .int(1)])])
        }
        assertRefused(cast, naming: ["q"], reader: "Cast 'to_int'")
    }

    func testParameterOnlyInAnotherOutputIsRefused() throws {
        let graph = try Self.graph({ _, base in base }, extraOutput: { b, logits in
            b.apply("Add", "side", [logits, b.filledParameter("extra", shape: [10], value: 0.5)])
        })
        assertRefused(graph, naming: ["extra"], reader: "Add 'side'")
    }

    func testFrozenParametersZeroGradientsAndBatchNormStatisticsPass() throws {
        // A frozen parameter behind Floor is a constant: nothing to train.
        let frozen = try Self.graph { b, base in
            let gate = b.filledParameter("gate", shape: [10], value: 1.5, trainable: false)
            return b.apply("Mul", "gated", [base, b.apply("Floor", "round_gate", [gate])])
        }
        let trainer = try makeTrainer(frozen)
        try trainer.trainStep()
        // A zero scale makes fc's gradients zero on every batch, yet they are reachable (as a
        // zero-initialised residual BatchNormalization scale is): not refused.
        let zeroScale = try Self.graph { b, base in
            b.apply("Mul", "scaled", [base, b.filledParameter("scale", shape: [1], value: 0)])
        }
        let scaled = try makeTrainer(zeroScale)
        try scaled.trainStep()
        XCTAssertEqual(scaled.graph.parameter(named: "fc.weight")?.grad?.doubles().allSatisfy { $0 == 0 }, true)
        XCTAssertNotEqual(scaled.graph.parameter(named: "scale")?.value.doubles(), [0], "the scale itself trains")
        // resnet8: BatchNormalization running statistics are not trainable parameters.
        let resnet = try TrainerTests.model("resnet8")
        XCTAssertTrue(resnet.initializers.contains { $0.name.hasSuffix("running_mean") && !$0.requiresGrad })
        try makeTrainer(resnet).trainStep()
    }

    func testRehearsalLeavesNoTrace() throws {
        let graph = try TrainerTests.model("resnet8")
        let before = TrainerTests.weightBytes(graph)
        let data = try TrainerTests.bandData(count: 16, seed: 23)
        let trainer = try Trainer(graph: graph, data: try DataLoader(source: data, batchSize: 8, seed: 4),
                                  optimizer: try SGD(.init(learningRate: 0.1, momentum: 0.9)),
                                  schedule: try ConstantSchedule(learningRate: 0.1), configuration: .init(duration: .epochs(1)))
        XCTAssertEqual(TrainerTests.weightBytes(graph), before, "weights and running statistics are as loaded")
        XCTAssertEqual(trainer.data.state, EpochSampler.Position(epoch: 0, batch: 0))
        XCTAssertTrue(graph.initializers.allSatisfy { $0.grad == nil })
        XCTAssertEqual(trainer.step, 0)
        // The first step is the one an untouched loader and graph give: same batch as a fresh loader.
        let record = try trainer.trainStep()
        XCTAssertEqual(record.samples.map(\.id), try DataLoader(source: data, batchSize: 8, seed: 4).next().ids)
        XCTAssertNotEqual(TrainerTests.weightBytes(graph).filter { $0.key.hasSuffix("running_mean") },
                          before.filter { $0.key.hasSuffix("running_mean") }, "the real step updates the statistics")
    }

    func testZeroDerivativeOperationsHaveZeroGradient() throws {
        // The tape names GradientReach cuts at must be TensorCore's unary ops with a zero
        // derivative; a renamed or changed op fails here.
        let x = Parameter(name: "x", value: try Tensor(shape: [4], scalars: [-1.5, -0.2, 0.7, 2.4]))
        for (op, name) in [(UnaryOp.floor, "floor"), (.ceil, "ceil"), (.round, "round"), (.sign, "sign"), (.truncate, "truncate")] {
            XCTAssertTrue(GradientReach.zeroDerivativeOperations.contains(name))
            x.zeroGrad()
            let y = try x.tensor.unary(op)
            XCTAssertEqual(y.gradNode?.op, name)
            try y.sum().backward()
            XCTAssertEqual(x.grad?.doubles(), [0, 0, 0, 0], name)
        }
        XCTAssertEqual(GradientReach.zeroDerivativeOperations.count, 5)
    }
}
