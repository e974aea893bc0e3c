import Foundation
import XCTest
import ModelGraph
import ONNX
import TensorCore

/// Structured pruning needs every operator on a model's data path to say how channels flow
/// (DESIGN.md: Graph and executor; issue 8: "A test walks effnet-lite0 and a ResNet and checks
/// every op has one"). Walks real imported models with the ranks of an actual run.
final class ChannelDescriptionWalkTests: XCTestCase {
    struct Opaque: CustomStringConvertible {
        let opType: String
        let node: String
        let reason: String
        var description: String { "\(opType) '\(node)': \(reason)" }
    }

    /// Operators DESIGN.md expects to describe their channels in any CNN/UNet.
    static let mustDescribe: Set<String> = [
        "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "InstanceNormalization",
        "Add", "Sub", "Mul", "Div", "Relu", "Clip", "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "HardSwish",
        "Identity", "Dropout", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
        "Concat", "Flatten", "Reshape", "Pad", "Resize", "ReduceMean",
    ]

    /// Runs `graph` once, watching every node, to learn each value's shape (and small integer
    /// values such as shape tensors), then asks each node on the data path (fed, through anything
    /// but Shape/Size, by a graph input) for its channel description. Returns the data-path op
    /// types seen and the opaque nodes.
    func walk(_ graph: Graph, feeds: [String: Tensor]) throws -> (seen: Set<String>, opaque: [Opaque]) {
        var values: [String: Tensor] = [:]
        var shape: [String: [Int]] = [:]
        _ = try Executor(graph: graph).run(feeds) { node, _, outputs in
            for (name, value) in zip(graph.nodes[node].outputs, outputs) {
                guard let value else { continue }
                shape[name] = value.shape
                if value.dtype == .int64 || value.dtype == .int32, value.count <= 64 { values[name] = value }
            }
        }
        for (name, value) in feeds { shape[name] = value.shape }
        for p in graph.initializers { shape[p.name] = p.value.shape }

        let operators = try OperatorRegistry.builtIn.instantiate(graph)
        var data = Set(graph.inputs.map(\.name))
        var seen = Set<String>()
        var opaque: [Opaque] = []
        for index in try graph.topologicalOrder() {
            let node = graph.nodes[index]
            guard node.inputs.contains(where: { data.contains($0) }) else { continue }
            if node.opType != "Shape" && node.opType != "Size" { data.formUnion(node.outputs) }
            seen.insert(node.opType)
            let query = ChannelQuery(node: node, graph: graph, inputShapes: node.inputs.map { $0.isEmpty ? nil : shape[$0] },
                                     sampleValues: node.inputs.map { $0.isEmpty ? nil : values[$0] ?? feeds[$0] })
            let description = operators[index].channels(query)
            if let reason = description.opaqueReason { opaque.append(Opaque(opType: node.opType, node: node.name, reason: reason)) }
        }
        return (seen, opaque)
    }

    /// `expected`: op types the walk must meet on the data path (so it cannot pass by seeing nothing).
    func check(_ name: String, everyDataNode: Bool, expected: Set<String>, file: StaticString = #filePath, line: UInt = #line) throws {
        let fixtures = try ModelFixtures.get()
        let model = try fixtures.model(name)
        let graph = try fixtures.load(model)
        let feeds = try fixtures.inputs(try XCTUnwrap(model.cases.first))
        let (seen, opaque) = try walk(graph, feeds: feeds)
        XCTAssertTrue(expected.isSubset(of: seen), "\(name): the walk met \(seen.sorted()) on the data path, missing \(expected.subtracting(seen).sorted())", file: file, line: line)
        let failing = everyDataNode ? opaque : opaque.filter { Self.mustDescribe.contains($0.opType) }
        let opaqueTypes = Set(failing.map(\.opType)).sorted()
        XCTAssertTrue(failing.isEmpty, """
            \(name): \(failing.count) data-path node(s) are opaque to structured pruning; op types \(opaqueTypes):
            \(failing.prefix(12).map { "  \($0)" }.joined(separator: "\n"))
            """, file: file, line: line)
    }

    func testEffNetLite0EveryDataPathNodeDescribesItsChannels() throws {
        guard ModelFixtures.effnetURL != nil else {
            throw XCTSkip("effnet-lite0.onnx not found at ../shared/models (or $WINNOW_SHARED/models)")
        }
        try check("effnet", everyDataNode: true, expected: ["Conv", "Pad", "Clip", "Add", "GlobalAveragePool", "Flatten", "Gemm"])
    }

    func testLegacyResNetsEveryDataPathNodeDescribesItsChannels() throws {
        let resnet: Set<String> = ["Conv", "Relu", "MaxPool", "Add", "GlobalAveragePool", "Flatten", "Gemm"]
        try check("resnet_legacy", everyDataNode: true, expected: resnet)
        try check("resnet_legacy_bn", everyDataNode: true, expected: resnet.union(["BatchNormalization"]))
    }

    func testDynamoResNetEveryDataPathNodeDescribesItsChannels() throws {
        try check("resnet_dynamo", everyDataNode: true, expected: ["Conv", "BatchNormalization", "Relu", "Add", "ReduceMean", "Gemm"])
    }

    /// The UNets: the operators DESIGN.md names must describe themselves (Softmax over attention
    /// scores, Einsum, Transpose and the like may stop pruning).
    func testUNetCoreOperatorsDescribeTheirChannels() throws {
        let unet: Set<String> = ["Conv", "Reshape", "InstanceNormalization", "Mul", "Add", "Sigmoid", "Softmax", "Resize", "Concat", "Gemm"]
        try check("unet_matmul", everyDataNode: false, expected: unet.union(["MatMul", "Transpose"]))
        try check("unet_einsum", everyDataNode: false, expected: unet.union(["Einsum"]))
    }
}
