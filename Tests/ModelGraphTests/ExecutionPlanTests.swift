import XCTest
@testable import ModelGraph
import TensorCore

/// The execution plan against the node-by-node executor (the unfused path) on hand-built graphs
/// that hold every fused pattern and near misses that must not fuse: within 1e-4 relative.
final class ExecutionPlanTests: XCTestCase {
    /// Builds graphs with random weights from a named stream.
    struct Builder {
        var stream: RandomStream
        var nodes: [Node] = []
        var initializers: [Parameter] = []
        var counter = 0

        init(_ purpose: String) { stream = RandomStream(seed: 11, purpose: purpose) }

        mutating func value(_ prefix: String = "v") -> String {
            counter += 1
            return "\(prefix)\(counter)"
        }

        mutating func constant(_ shape: [Int], low: Double = -0.5, high: Double = 0.5, name: String? = nil) throws -> String {
            let n = name ?? value("w")
            initializers.append(Parameter(name: n, value: try Tensor.uniform(shape, low: low, high: high, stream: &stream), requiresGrad: false))
            return n
        }

        mutating func integers(_ values: [Int64]) throws -> String {
            let n = value("i")
            initializers.append(Parameter(name: n, value: try Tensor(shape: [values.count], scalars: values), requiresGrad: false))
            return n
        }

        mutating func node(_ op: String, _ inputs: [String], _ attributes: [String: AttributeValue] = [:], outputs: Int = 1) -> String {
            let outs = (0..<outputs).map { _ in value() }
            nodes.append(Node(name: "n\(nodes.count)_\(op)", opType: op, inputs: inputs, outputs: outs, attributes: attributes))
            return outs[0]
        }

        mutating func conv(_ x: String, _ c: Int, _ oc: Int, k: Int, stride: Int = 1, pad: Int? = nil, group: Int = 1, bias: Bool = true,
                           dilation: Int = 1) throws -> String {
            let w = try constant([oc, c / group, k, k])
            var inputs = [x, w]
            if bias { inputs.append(try constant([oc], low: -0.2, high: 0.2)) }
            let p = pad ?? k / 2
            return node("Conv", inputs, ["strides": .ints([stride, stride]), "pads": .ints([p, p, p, p]), "group": .int(group),
                                         "dilations": .ints([dilation, dilation]), "kernel_shape": .ints([k, k])])
        }

        mutating func batchNorm(_ x: String, _ c: Int) throws -> String {
            let names = [try constant([c], low: 0.5, high: 1.5), try constant([c], low: -0.2, high: 0.2),
                         try constant([c], low: -0.3, high: 0.3), try constant([c], low: 0.5, high: 2)]
            return node("BatchNormalization", [x] + names, ["epsilon": .float(1e-5)])
        }

        mutating func silu(_ x: String) -> String {
            let s = node("Sigmoid", [x])
            return node("Mul", [x, s])
        }

        func graph(inputs: [(String, [Int])], outputs: [String]) -> Graph {
            Graph(inputs: inputs.map { ValueInfo(name: $0.0, dtype: .float32, shape: [.symbolic("N")] + $0.1.map { .known($0) }) },
                  outputs: outputs.map { ValueInfo(name: $0) }, nodes: nodes, initializers: initializers)
        }
    }

    /// Runs `graph` through the executor and the plan (three calls with new inputs, so the second
    /// and third use the compiled specialisation) and compares every output.
    @discardableResult
    func compare(_ graph: Graph, inputs: [String: [Int]], batches: [Int] = [3], file: StaticString = #filePath, line: UInt = #line) throws -> ExecutionPlan {
        let executor = try Executor(graph: graph)
        let plan = try ExecutionPlan(graph: graph)
        let nodeCount = graph.nodes.count, initializerCount = graph.initializers.count
        var stream = RandomStream(seed: 5, purpose: "plan-inputs")
        var previous: [String: Tensor] = [:], previousCopy: [String: [Double]] = [:]
        for batch in batches {
            for call in 0..<3 {
                var feeds: [String: Tensor] = [:]
                for (name, shape) in inputs { feeds[name] = try Tensor.uniform([batch] + shape, low: -1, high: 1, stream: &stream) }
                let expected = try executor.run(feeds)
                let got = try plan.run(feeds)
                XCTAssertEqual(Set(got.keys), Set(expected.keys), file: file, line: line)
                for (name, e) in expected {
                    guard let g = got[name] else { continue }
                    XCTAssertEqual(g.shape, e.shape, "\(name)", file: file, line: line)
                    let ev = e.doubles(), gv = g.doubles()
                    let scale = Swift.max(ev.map { Swift.abs($0) }.max() ?? 0, 1e-6)
                    let worst = zip(ev, gv).map { Swift.abs($0 - $1) }.max() ?? 0
                    XCTAssertLessThanOrEqual(worst / scale, 1e-4, "batch \(batch) call \(call) output \(name): worst \(worst), scale \(scale); steps \(plan.stepLabels)", file: file, line: line)
                }
                // Outputs of an earlier call are copies: later calls do not change them.
                for (name, t) in previous { XCTAssertEqual(t.doubles(), previousCopy[name], "output \(name) changed after a later call", file: file, line: line) }
                previous = got
                previousCopy = got.mapValues { $0.doubles() }
            }
        }
        XCTAssertEqual(graph.nodes.count, nodeCount, "the plan must not edit the graph", file: file, line: line)
        XCTAssertEqual(graph.initializers.count, initializerCount, "the plan must not edit the graph", file: file, line: line)
        return plan
    }

    func testResidualBlockFusesPadConvBatchNormAddRelu() throws {
        var b = Builder("residual")
        let x = "x"
        let padded = b.node("Pad", [x, try b.integers([0, 0, 1, 2, 0, 0, 1, 0])], ["mode": .string("constant")])
        var h = try b.conv(padded, 4, 8, k: 3, pad: 0, bias: false)
        h = try b.batchNorm(h, 8)
        h = b.node("Relu", [h])
        h = try b.conv(h, 8, 8, k: 3, pad: 1)
        h = try b.batchNorm(h, 8)
        let skip = try b.conv(x, 4, 8, k: 1, stride: 1, pad: 0)
        // The residual: x is 7x6, padded 9x8, conv 3x3 valid → 7x6.
        h = b.node("Add", [h, skip])
        h = b.node("Relu", [h])
        let graph = b.graph(inputs: [("x", [4, 7, 6])], outputs: [h])
        let plan = try compare(graph, inputs: ["x": [4, 7, 6]], batches: [3, 1, 9])
        XCTAssertTrue(plan.stepLabels.contains("Pad+Conv+BatchNormalization+relu"), "\(plan.stepLabels)")
        XCTAssertTrue(plan.stepLabels.contains("Conv+BatchNormalization+Add+relu"), "\(plan.stepLabels)")
        XCTAssertGreaterThan(plan.plannedFloats, 0)
    }

    func testDepthwiseStridedAndDilatedConvsWithEveryActivation() throws {
        var b = Builder("activations")
        var h = try b.conv("x", 6, 6, k: 3, stride: 2, group: 6)
        h = b.node("Clip", [h, try b.constant([], low: 0, high: 0), try b.constant([], low: 5.9, high: 6)])
        h = try b.conv(h, 6, 12, k: 1, pad: 0)
        h = b.silu(h)
        h = try b.conv(h, 12, 12, k: 5, group: 12)
        h = b.node("HardSwish", [h])
        h = try b.conv(h, 12, 10, k: 3, pad: 2, dilation: 2)
        h = b.node("LeakyRelu", [h], ["alpha": .float(0.1)])
        h = try b.conv(h, 10, 10, k: 3, stride: 2)
        h = b.node("HardSigmoid", [h], ["alpha": .float(0.3), "beta": .float(0.4)])
        h = try b.conv(h, 10, 9, k: 3)
        h = b.node("Sigmoid", [h])
        let graph = b.graph(inputs: [("x", [6, 17, 15])], outputs: [h])
        let plan = try compare(graph, inputs: ["x": [6, 17, 15]], batches: [2, 5])
        for prefix in ["Conv+clip(", "Conv+silu", "Conv+hardSwish", "Conv+leakyRelu(", "Conv+hardSigmoid(", "Conv+sigmoid"] {
            XCTAssertTrue(plan.stepLabels.contains { $0.hasPrefix(prefix) }, "\(prefix) not in \(plan.stepLabels)")
        }
    }

    func testNearMissesRunUnfusedAndStayCorrect() throws {
        var b = Builder("near-misses")
        // Conv output read twice (no BN fold), reflect Pad and non-zero Pad (no pad fold), grouped conv (no kernel).
        let c1 = try b.conv("x", 4, 8, k: 3)
        let bn = try b.batchNorm(c1, 8)
        let other = b.node("Relu", [c1])
        let sum = b.node("Add", [bn, other])
        let reflect = b.node("Pad", [sum, try b.integers([0, 0, 1, 1, 0, 0, 1, 1])], ["mode": .string("reflect")])
        let c2 = try b.conv(reflect, 8, 8, k: 3, pad: 0, group: 2)
        let valued = b.node("Pad", [c2, try b.integers([0, 0, 1, 1, 0, 0, 1, 1]), try b.constant([], low: 0.5, high: 0.5)], ["mode": .string("constant")])
        let c3 = try b.conv(valued, 8, 4, k: 3, pad: 0)
        // Add whose other operand broadcasts along the width only: not an addend the kernel takes.
        let row = try b.constant([1, 4, 1, 7], low: -1, high: 1)
        let y = b.node("Add", [c3, row])
        let graph = b.graph(inputs: [("x", [4, 5, 7])], outputs: [y, c1])
        let plan = try compare(graph, inputs: ["x": [4, 5, 7]])
        XCTAssertFalse(plan.stepLabels.contains { $0.contains("+BatchNormalization") }, "\(plan.stepLabels)")
        XCTAssertFalse(plan.stepLabels.contains { $0.hasPrefix("Pad+") }, "\(plan.stepLabels)")
    }

    func testGroupNormChainWithSiLUAndPerChannelAddend() throws {
        var b = Builder("group-norm")
        let c = 8, groups = 4
        var h = try b.conv("x", 3, c, k: 3)
        // A per-(image, channel) offset as a time embedding would add: Gemm → Unsqueeze.
        let t = b.node("Gemm", ["t", try b.constant([c, 5])], ["transB": .int(1)])
        let t4 = b.node("Unsqueeze", [t, try b.integers([2, 3])])
        h = try b.conv(h, c, c, k: 3)
        h = b.node("Add", [h, t4])
        let r = b.node("Reshape", [h, try b.integers([0, Int64(groups), -1])])
        let n = b.node("InstanceNormalization", [r, try b.constant([groups], low: 0.8, high: 1.2), try b.constant([groups], low: -0.1, high: 0.1)],
                       ["epsilon": .float(1e-5)])
        let shape = b.node("Shape", [h])
        let back = b.node("Reshape", [n, shape])
        let m = b.node("Mul", [back, try b.constant([c, 1, 1], low: 0.5, high: 1.5)])
        let a = b.node("Add", [m, try b.constant([c, 1, 1], low: -0.2, high: 0.2)])
        let act = b.silu(a)
        let flat = b.node("Reshape", [act, try b.integers([0, Int64(c), -1])])
        let probabilities = b.node("Softmax", [flat], ["axis": .int(-1)])
        let graph = b.graph(inputs: [("x", [3, 6, 5]), ("t", [5])], outputs: [probabilities, act])
        let plan = try compare(graph, inputs: ["x": [3, 6, 5], "t": [5]], batches: [2, 4])
        XCTAssertTrue(plan.stepLabels.contains("GroupNorm+Mul+Add+silu"), "\(plan.stepLabels)")
        XCTAssertTrue(plan.stepLabels.contains("Conv+Add"), "\(plan.stepLabels)")
        XCTAssertTrue(plan.stepLabels.contains("Softmax"), "\(plan.stepLabels)")
    }

    func testAttentionFusesTransposedMatMulsWithScaleFromShapeArithmetic() throws {
        var b = Builder("attention")
        // x: (N, T, C). Scores = (x Wq)(x Wk)ᵀ / sqrt(C), with sqrt(C) computed from Shape.
        let q = b.node("MatMul", ["x", try b.constant([6, 6])])
        let k = b.node("MatMul", ["x", try b.constant([6, 6])])
        let v = b.node("MatMul", ["x", try b.constant([6, 6])])
        let kt = b.node("Transpose", [k], ["perm": .ints([0, 2, 1])])
        let scores = b.node("MatMul", [q, kt])
        let shape = b.node("Shape", ["x"])
        let c = b.node("Gather", [shape, try b.integers([2])], ["axis": .int(0)])
        let cf = b.node("Cast", [c], ["to": .int(1)])
        let root = b.node("Sqrt", [cf])
        let scaled = b.node("Div", [scores, root])
        let probabilities = b.node("Softmax", [scaled], ["axis": .int(-1)])
        let vt = b.node("Transpose", [v], ["perm": .ints([0, 2, 1])])
        let mixed = b.node("MatMul", [probabilities, b.node("Transpose", [vt], ["perm": .ints([0, 2, 1])])])
        let graph = b.graph(inputs: [("x", [5, 6])], outputs: [mixed, probabilities])
        let plan = try compare(graph, inputs: ["x": [5, 6]], batches: [3, 1])
        XCTAssertTrue(plan.stepLabels.contains("Transpose+MatMul+Div"), "\(plan.stepLabels)")
        XCTAssertFalse(plan.stepLabels.contains { $0.contains("Shape") || $0.contains("Sqrt") }, "shape arithmetic should be fixed: \(plan.stepLabels)")
    }

    func testUnfusedPlanMatchesExecutorExactly() throws {
        var b = Builder("unfused")
        var h = try b.conv("x", 3, 5, k: 3)
        h = try b.batchNorm(h, 5)
        h = b.node("Relu", [h])
        let graph = b.graph(inputs: [("x", [3, 6, 6])], outputs: [h])
        let plan = try ExecutionPlan(graph: graph, options: .init(fuse: false))
        let executor = try Executor(graph: graph)
        var stream = RandomStream(seed: 2, purpose: "unfused")
        for _ in 0..<3 {
            let x = try Tensor.uniform([2, 3, 6, 6], low: -1, high: 1, stream: &stream)
            XCTAssertEqual(try plan.run(["x": x])[h]?.doubles(), try executor.run(["x": x])[h]?.doubles())
        }
        XCTAssertEqual(plan.stepLabels.count, 3)
    }

    /// Shape of a value whose shape depends on data (NonZero), on a fed shape (Reshape) or on a
    /// parameter whose shape changed (structured pruning) is not frozen with the input shapes.
    func testShapesThatDependOnValuesAreNotFrozen() throws {
        // NonZero → Shape: same input shape, different counts.
        let nonzero = Graph(inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.known(4)])], outputs: [ValueInfo(name: "s")],
                            nodes: [Node(name: "nz", opType: "NonZero", inputs: ["x"], outputs: ["idx"]),
                                    Node(name: "shape", opType: "Shape", inputs: ["idx"], outputs: ["s"])])
        let plan = try ExecutionPlan(graph: nonzero)
        for (values, count) in [([1, 0, 0, 0], 1), ([1, 2, 3, 0], 3), ([0, 0, 0, 0], 0), ([1, 1, 1, 1], 4)] as [([Float], Int64)] {
            let got = try plan.run(["x": try Tensor(shape: [4], scalars: values)])["s"]
            XCTAssertEqual(try got?.scalars(Int64.self), [1, count], "\(values)")
        }
        // Reshape by a fed shape → Shape.
        let reshape = Graph(inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.known(12)]), ValueInfo(name: "t", dtype: .int64, shape: [.known(2)])],
                            outputs: [ValueInfo(name: "s")],
                            nodes: [Node(name: "r", opType: "Reshape", inputs: ["x", "t"], outputs: ["y"]),
                                    Node(name: "shape", opType: "Shape", inputs: ["y"], outputs: ["s"])])
        let reshapePlan = try ExecutionPlan(graph: reshape)
        let x = try Tensor(shape: [12], scalars: (0..<12).map(Float.init))
        for target in [[3, 4], [4, 3], [2, 6], [4, 3]] as [[Int64]] {
            let got = try reshapePlan.run(["x": x, "t": try Tensor(shape: [2], scalars: target)])["s"]
            XCTAssertEqual(try got?.scalars(Int64.self), target)
        }
        // A parameter replaced by one of another shape.
        let w = Parameter(name: "w", value: Tensor(zeros: [3, 4], dtype: .float32))
        let matmul = Graph(inputs: [ValueInfo(name: "x", dtype: .float32, shape: [.known(2), .known(3)])], outputs: [ValueInfo(name: "s")],
                           nodes: [Node(name: "mm", opType: "MatMul", inputs: ["x", "w"], outputs: ["y"]),
                                   Node(name: "shape", opType: "Shape", inputs: ["y"], outputs: ["s"])],
                           initializers: [w])
        let matmulPlan = try ExecutionPlan(graph: matmul)
        let feed = Tensor(zeros: [2, 3], dtype: .float32)
        XCTAssertEqual(try matmulPlan.run(["x": feed])["s"]?.scalars(Int64.self), [2, 4])
        XCTAssertEqual(try matmulPlan.run(["x": feed])["s"]?.scalars(Int64.self), [2, 4])
        w.value = Tensor(zeros: [3, 5], dtype: .float32)
        XCTAssertEqual(try matmulPlan.run(["x": feed])["s"]?.scalars(Int64.self), [2, 5])
    }

    /// A MatMul over an empty inner axis is all zeros (BLAS would leave the planned buffer as it was).
    func testEmptyInnerAxisMatMulGivesZeros() throws {
        var b = Builder("empty-k")
        let product = b.node("MatMul", ["a", b.node("Transpose", ["c"], ["perm": .ints([0, 2, 1])])])
        let graph = Graph(inputs: [ValueInfo(name: "a", dtype: .float32, shape: [.known(2), .known(3), .known(0)]),
                                   ValueInfo(name: "c", dtype: .float32, shape: [.known(2), .known(4), .known(0)])],
                          outputs: [ValueInfo(name: product)], nodes: b.nodes, initializers: b.initializers)
        let plan = try ExecutionPlan(graph: graph)
        let a = Tensor(zeros: [2, 3, 0], dtype: .float32), c = Tensor(zeros: [2, 4, 0], dtype: .float32)
        for _ in 0..<3 {
            let got = try XCTUnwrap(plan.run(["a": a, "c": c])[product])
            XCTAssertEqual(got.shape, [2, 3, 4])
            XCTAssertEqual(got.doubles(), [Double](repeating: 0, count: 24), "steps \(plan.stepLabels)")
        }
    }

    func testReplacedWeightsRecompileTheSpecialisation() throws {
        var b = Builder("stale")
        var h = try b.conv("x", 2, 4, k: 3)
        h = b.node("Relu", [h])
        let graph = b.graph(inputs: [("x", [2, 5, 5])], outputs: [h])
        let plan = try ExecutionPlan(graph: graph)
        let executor = try Executor(graph: graph)
        var stream = RandomStream(seed: 9, purpose: "stale")
        let x = try Tensor.uniform([1, 2, 5, 5], low: -1, high: 1, stream: &stream)
        _ = try plan.run(["x": x])
        _ = try plan.run(["x": x])
        // An optimizer step replaces the value; in-place edits copy (the plan holds the old value).
        let weight = try XCTUnwrap(graph.initializers.first { $0.value.rank == 4 })
        weight.value = try weight.value.multiplying(-2)
        let expected = try executor.run(["x": x])[h]!.doubles()
        XCTAssertEqual(try plan.run(["x": x])[h]!.doubles(), expected)
        XCTAssertEqual(try plan.run(["x": x])[h]!.doubles().count, expected.count)
        let again = try plan.run(["x": x])[h]!.doubles()
        for (a, e) in zip(again, expected) { XCTAssertEqual(a, e, accuracy: 1e-5 * Swift.max(1, Swift.abs(e))) }
        var edited = weight.value
        edited.withMutableElements(Float.self) { $0[0] += 1 }
        weight.value = edited
        let afterEdit = try executor.run(["x": x])[h]!.doubles()
        _ = try plan.run(["x": x])
        let planned = try plan.run(["x": x])[h]!.doubles()
        for (a, e) in zip(planned, afterEdit) { XCTAssertEqual(a, e, accuracy: 1e-5 * Swift.max(1, Swift.abs(e))) }
    }

    func testBadFeedsAreStillNamed() throws {
        var b = Builder("bad")
        let h = try b.conv("x", 2, 4, k: 3)
        let plan = try ExecutionPlan(graph: b.graph(inputs: [("x", [2, 5, 5])], outputs: [h]))
        _ = try plan.run(["x": Tensor(zeros: [1, 2, 5, 5])])
        XCTAssertThrowsError(try plan.run(["x": Tensor(zeros: [1, 3, 5, 5])])) { XCTAssertTrue("\($0)".contains("axis 1 must be 2"), "\($0)") }
        XCTAssertThrowsError(try plan.run(["y": Tensor(zeros: [1, 2, 5, 5])])) { XCTAssertTrue("\($0)".contains("'y'"), "\($0)") }
        XCTAssertThrowsError(try plan.run(["x": Tensor(zeros: [1, 2, 5, 5], dtype: .float64)])) { XCTAssertTrue("\($0)".contains("dtype"), "\($0)") }
    }
}
