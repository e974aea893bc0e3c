import TensorCore

/// Inference plan compiled from a `Graph` (the graph itself is never changed).
public final class ExecutionPlan: @unchecked Sendable {
    public let graph: Graph
    let executor: Executor

    public init(graph: Graph, registry: OperatorRegistry = .builtIn) throws {
        self.graph = graph
        executor = try Executor(graph: graph, registry: registry)
    }

    /// Runs the graph on `feeds` and returns every graph output.
    public func run(_ feeds: [String: Tensor]) throws -> [String: Tensor] {
        try executor.run(feeds)
    }

    public func run(_ feeds: [String: Tensor], profiler: (Int) -> Void) throws -> [String: Tensor] {
        try executor.run(feeds, observer: { node, _, _ in profiler(node) })
    }
}
