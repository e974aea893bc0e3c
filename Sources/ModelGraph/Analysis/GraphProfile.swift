import TensorCore

/// Shapes and cost of every node at one input size, found by running the graph once: MACs come
/// from each operator's `cost`, parameters from the trainable initializers each node reads
/// (a shared weight is counted at its first reader). `winnow inspect` prints it; metrics reuse it.
public struct GraphProfile: Sendable {
    /// One node's shapes and cost.
    public struct NodeEntry: Sendable {
        public var index: Int
        public var name: String
        public var opType: String
        public var inputShapes: [[Int]?]
        public var outputShapes: [[Int]?]
        public var cost: NodeCost
    }

    public var nodes: [NodeEntry]
    /// The feeds the profile ran with (name → shape).
    public var inputShapes: [String: [Int]]
    public var totalMACs: Int { nodes.reduce(0) { $0 + $1.cost.macs } }
    public var totalParameters: Int { nodes.reduce(0) { $0 + $1.cost.parameters } }

    /// Profiles `graph` on zero-valued feeds of the declared input shapes; symbolic or unknown
    /// axes take `symbolicSize` (the batch axis, usually).
    public init(graph: Graph, registry: OperatorRegistry = .builtIn, symbolicSize: Int = 1,
                shapes overrides: [String: [Int]] = [:]) throws {
        var feeds: [String: Tensor] = [:]
        var inputShapes: [String: [Int]] = [:]
        for info in graph.inputs {
            let shape: [Int]
            if let given = overrides[info.name] {
                shape = given
            } else if let declared = info.shape {
                shape = declared.map { $0.value ?? symbolicSize }
            } else {
                throw ModelGraphError.inputMismatch(input: info.name, detail: "its shape is not declared; give one to profile the graph")
            }
            guard let dtype = info.dtype else {
                throw ModelGraphError.inputMismatch(input: info.name, detail: "its element type is not declared")
            }
            feeds[info.name] = Tensor(zeros: shape, dtype: dtype)
            inputShapes[info.name] = shape
        }
        let executor = try Executor(graph: graph, registry: registry)
        var entries: [Int: NodeEntry] = [:]
        _ = try executor.run(feeds) { index, inputs, outputs in
            let inShapes = inputs.map { $0?.shape }
            let outShapes = outputs.map { $0?.shape }
            let cost = executor.operators[index].cost(inputShapes: inShapes, outputShapes: outShapes)
            let node = graph.nodes[index]
            entries[index] = NodeEntry(index: index, name: node.name, opType: node.opType,
                                       inputShapes: inShapes, outputShapes: outShapes, cost: cost)
        }
        var counted = Set<String>()
        var list: [NodeEntry] = []
        for index in executor.order {
            guard var entry = entries[index] else { continue }
            var parameters = 0
            for name in graph.nodes[index].inputs where !name.isEmpty {
                if let p = graph.parameter(named: name), p.requiresGrad, counted.insert(name).inserted {
                    parameters += p.value.count
                }
            }
            entry.cost.parameters = parameters
            list.append(entry)
        }
        nodes = list
        self.inputShapes = inputShapes
    }
}
