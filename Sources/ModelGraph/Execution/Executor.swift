import TensorCore

/// Runs a `Graph`: a topological plan built once, intermediates freed after their last use in
/// inference, and in training mode every step recorded on the tape so `loss.backward()` reaches
/// the graph's `Parameter`s.
public final class Executor: @unchecked Sendable {
    public let graph: Graph
    let order: [Int]
    let operators: [any Operator]
    /// For each plan step, the values whose last reader it is.
    let releases: [[String]]

    public init(graph: Graph, registry: OperatorRegistry = .builtIn) throws {
        self.graph = graph
        operators = try registry.instantiate(graph)
        order = try graph.topologicalOrder()
        let outputs = Set(graph.outputs.map(\.name))
        var last: [String: Int] = [:]
        for (step, index) in order.enumerated() {
            for input in graph.nodes[index].inputs where !input.isEmpty { last[input] = step }
        }
        var releases = [[String]](repeating: [], count: order.count)
        for (value, step) in last where !outputs.contains(value) && graph.parameter(named: value) == nil {
            releases[step].append(value)
        }
        self.releases = releases
    }

    /// Runs the graph on `feeds` (graph input name → tensor) and returns every graph output.
    /// In `training` mode parameters are recorded on the tape and BatchNormalization updates its
    /// running statistics.
    public func run(_ feeds: [String: Tensor], training: Bool = false, random: RandomStream? = nil) throws -> [String: Tensor] {
        if training { return try execute(feeds, training: true, random: random, observer: nil) }
        return try noGrad { try execute(feeds, training: false, random: random, observer: nil) }
    }

    /// Called after each node runs with its index in `graph.nodes`, its inputs and its outputs.
    public typealias Observer = (_ node: Int, _ inputs: [Tensor?], _ outputs: [Tensor?]) -> Void

    /// Inference run that shows every node's inputs and outputs to `observer` (analyses, profiling).
    public func run(_ feeds: [String: Tensor], observer: Observer) throws -> [String: Tensor] {
        try withoutActuallyEscaping(observer) { observer in
            try noGrad { try execute(feeds, training: false, random: nil, observer: observer) }
        }
    }

    func execute(_ feeds: [String: Tensor], training: Bool, random: RandomStream?, observer: Observer?) throws -> [String: Tensor] {
        var env: [String: Tensor] = [:]
        let inputNames = graph.inputs.map(\.name)
        for (name, _) in feeds where !inputNames.contains(name) {
            throw ModelGraphError.unknownGraphInput(name, known: inputNames)
        }
        for info in graph.inputs {
            guard let value = feeds[info.name] else {
                if graph.parameter(named: info.name) != nil { continue }
                throw ModelGraphError.inputMismatch(input: info.name, detail: "no value given; the model needs \(info)")
            }
            try Executor.check(value, against: info)
            env[info.name] = value
        }
        var stream = random
        for (step, index) in order.enumerated() {
            let node = graph.nodes[index]
            var inputs: [Tensor?] = []
            var parameters: [Parameter?] = []
            inputs.reserveCapacity(node.inputs.count)
            for name in node.inputs {
                if name.isEmpty { inputs.append(nil); parameters.append(nil); continue }
                if let v = env[name] {
                    inputs.append(v)
                    parameters.append(graph.parameter(named: name))
                } else if let p = graph.parameter(named: name) {
                    inputs.append(training ? p.tensor : p.value)
                    parameters.append(p)
                } else {
                    throw ModelGraphError.missingInput(node: node.label, input: name)
                }
            }
            var context = OperatorContext(node: node, training: training, inputParameters: parameters, random: stream)
            if stream != nil { context.random = RandomStream(seed: stream!.seed, purpose: "node:\(node.name)", index: stream!.position) }
            let outputs: [Tensor?]
            do {
                outputs = try operators[index].run(inputs, context: context)
            } catch let error as ModelGraphError {
                throw error
            } catch {
                throw ModelGraphError.operatorFailed(node: node.label, underlying: error)
            }
            if stream != nil { stream!.position += 1 }
            observer?(index, inputs, outputs)
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty {
                if let value { env[name] = value }
            }
            if !training { for name in releases[step] { env[name] = nil } }
        }
        var result: [String: Tensor] = [:]
        for output in graph.outputs {
            if let v = env[output.name] {
                result[output.name] = v
            } else if let p = graph.parameter(named: output.name) {
                result[output.name] = training ? p.tensor : p.value
            } else {
                throw ModelGraphError.invalidGraph("graph output '\(output.name)' was not produced")
            }
        }
        return result
    }

    /// Checks a fed tensor against the declared dtype and the numeric axes of the declared shape.
    static func check(_ value: Tensor, against info: ValueInfo) throws {
        if let dtype = info.dtype, dtype != value.dtype {
            throw ModelGraphError.inputMismatch(input: info.name, detail: "expected dtype \(dtype), got \(value.dtype)")
        }
        guard let shape = info.shape else { return }
        guard shape.count == value.rank else {
            throw ModelGraphError.inputMismatch(input: info.name, detail: "expected rank \(shape.count) \(shape), got shape \(value.shape)")
        }
        for (axis, dim) in shape.enumerated() {
            if case let .known(size) = dim, size != value.shape[axis] {
                throw ModelGraphError.inputMismatch(input: info.name, detail: "axis \(axis) must be \(size) (declared \(shape)), got shape \(value.shape)")
            }
        }
    }
}
