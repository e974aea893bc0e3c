import TensorCore

/// Constant folding at load (DESIGN.md): every node whose inputs are all constants is run once
/// and replaced by graph constants (non-trainable `Parameter`s named after its outputs), so
/// shape arithmetic and `Constant` nodes cost nothing per run. Trainable parameters are never
/// folded into anything: training must still reach them.
public enum ConstantFolding {
    /// Ops whose result differs from run to run (or between training and inference).
    static let nondeterministic: Set<String> = [
        "Dropout", "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Bernoulli", "Multinomial",
    ]
    /// Results larger than this many elements stay computed at run time (folding would store them).
    static let maximumFoldedElements = 1 << 22

    /// Folds `graph` in place and returns the number of nodes it removed.
    @discardableResult
    public static func fold(_ graph: Graph, registry: OperatorRegistry = .builtIn) throws -> Int {
        var constants = Set(graph.initializers.filter { !$0.requiresGrad }.map(\.name))
        let order = try graph.topologicalOrder()
        var removed = Set<Int>()
        var created = Set<String>()
        let inputNames = Set(graph.inputs.map(\.name))
        try noGrad {
            for index in order {
                let node = graph.nodes[index]
                guard !nondeterministic.contains(node.opType),
                      !node.attributes.values.contains(where: { if case .graph = $0 { return true }; return false }),
                      node.inputs.allSatisfy({ $0.isEmpty || (constants.contains($0) && !inputNames.contains($0)) }),
                      !node.outputs.contains(where: { $0.isEmpty == false && inputNames.contains($0) }),
                      let (type, version) = registry.implementation(for: node, opset: graph.opset(for: node.domain) ?? 1)
                else { continue }
                let op = try type.init(node: node, version: version)
                let inputs: [Tensor?] = node.inputs.map { $0.isEmpty ? nil : graph.parameter(named: $0)?.value }
                let context = OperatorContext(node: node, training: false, inputParameters: [])
                let outputs: [Tensor?]
                do {
                    outputs = try op.run(inputs, context: context)
                } catch let error as ModelGraphError {
                    throw error
                } catch {
                    throw ModelGraphError.operatorFailed(node: node.label, underlying: error)
                }
                let named = zip(node.outputs, outputs).filter { !$0.0.isEmpty }
                guard named.allSatisfy({ $0.1 != nil && $0.1!.count <= maximumFoldedElements }) else { continue }
                for (name, value) in named {
                    graph.setInitializer(Parameter(name: name, value: value!.detached(), requiresGrad: false))
                    constants.insert(name)
                    created.insert(name)
                }
                removed.insert(index)
            }
        }
        guard !removed.isEmpty else { return 0 }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        // Intermediate constants nothing reads any more are dropped; the file's own initializers stay.
        var read = Set(graph.outputs.map(\.name))
        for node in graph.nodes { read.formUnion(node.inputs) }
        for name in created where !read.contains(name) { graph.removeInitializer(named: name) }
        return removed.count
    }
}
