import TensorCore

/// The one model representation (DESIGN.md): an ONNX-shaped, editable graph. Initializers are
/// `Parameter`s with stable names, so training, masks and pruning act on them in place;
/// execution plans are built from the graph but never change it.
public final class Graph: @unchecked Sendable {
    public var name: String
    /// ONNX IR version of the source file (kept on export).
    public var irVersion: Int
    /// Opset version per domain ("" is the default ONNX domain).
    public var opsetImports: [String: Int]
    public var producerName: String
    public var producerVersion: String
    /// Graph inputs fed at run time (initializers are not listed here).
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    /// Declared types/shapes of intermediate values.
    public var valueInfo: [String: ValueInfo]
    /// Nodes in file order (execution uses a topological plan).
    public var nodes: [Node]
    /// Initializers in file order; look up by name with `parameter(named:)`.
    public private(set) var initializers: [Parameter]
    private var initializerIndex: [String: Int]

    public init(name: String = "graph", irVersion: Int = 8, opsetImports: [String: Int] = ["": 17],
                producerName: String = "winnow", producerVersion: String = "",
                inputs: [ValueInfo] = [], outputs: [ValueInfo] = [], valueInfo: [String: ValueInfo] = [:],
                nodes: [Node] = [], initializers: [Parameter] = []) {
        self.name = name
        self.irVersion = irVersion
        self.opsetImports = opsetImports
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
        self.nodes = nodes
        self.initializers = []
        self.initializerIndex = [:]
        for p in initializers { setInitializer(p) }
    }

    /// The initializer called `name`.
    public func parameter(named name: String) -> Parameter? {
        initializerIndex[name].map { initializers[$0] }
    }

    /// Adds an initializer, or replaces the one with the same name (keeping its position).
    public func setInitializer(_ parameter: Parameter) {
        if let i = initializerIndex[parameter.name] {
            initializers[i] = parameter
        } else {
            initializerIndex[parameter.name] = initializers.count
            initializers.append(parameter)
        }
    }

    /// Removes the initializer called `name`, if any.
    public func removeInitializer(named name: String) {
        guard let i = initializerIndex.removeValue(forKey: name) else { return }
        initializers.remove(at: i)
        for j in i..<initializers.count { initializerIndex[initializers[j].name] = j }
    }

    /// Opset version of `domain` ("ai.onnx" is the default domain).
    public func opset(for domain: String) -> Int? {
        let key = domain == "ai.onnx" ? "" : domain
        return opsetImports[key] ?? (key == "" ? opsetImports["ai.onnx"] : nil)
    }

    /// Index of the node producing `value`, if a node does.
    public func producer(of value: String) -> Int? {
        nodes.firstIndex { $0.outputs.contains(value) }
    }

    /// Indices of the nodes reading `value`.
    public func consumers(of value: String) -> [Int] {
        nodes.indices.filter { nodes[$0].inputs.contains(value) }
    }

    /// Node indices in an order where every node follows the producers of its inputs.
    /// Throws on a cycle or on an input that nothing provides.
    public func topologicalOrder() throws -> [Int] {
        var available = Set(inputs.map(\.name))
        available.formUnion(initializers.map(\.name))
        available.insert("")
        var producerOf: [String: Int] = [:]
        for (i, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                if let other = producerOf[output] {
                    throw ModelGraphError.invalidGraph("value '\(output)' is produced by more than one node (\(nodes[other].label) and \(node.label))")
                }
                producerOf[output] = i
            }
        }
        var pending = [Int](repeating: 0, count: nodes.count)
        var readers: [String: [Int]] = [:]
        for (i, node) in nodes.enumerated() {
            for input in Set(node.inputs) where !available.contains(input) {
                guard producerOf[input] != nil else { throw ModelGraphError.missingInput(node: node.label, input: input) }
                pending[i] += 1
                readers[input, default: []].append(i)
            }
        }
        var ready = (0..<nodes.count).filter { pending[$0] == 0 }.reversed().map { $0 }
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        while let i = ready.popLast() {
            order.append(i)
            for output in nodes[i].outputs {
                for reader in readers[output] ?? [] {
                    pending[reader] -= 1
                    if pending[reader] == 0 { ready.append(reader) }
                }
            }
        }
        guard order.count == nodes.count else {
            let stuck = (0..<nodes.count).filter { pending[$0] > 0 }.prefix(3).map { nodes[$0].label }
            throw ModelGraphError.invalidGraph("the graph has a cycle through \(stuck.joined(separator: ", "))")
        }
        return order
    }
}
