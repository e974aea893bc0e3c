// Walks over every tensor a graph holds (initializers and attribute tensors, subgraphs
// included), used to load and to place external data.

extension ONNXGraphProto {
    /// The graph with `transform` applied to every initializer and attribute tensor, recursively.
    func mapTensors(_ transform: (ONNXTensor) throws -> ONNXTensor) throws -> ONNXGraphProto {
        var graph = self
        graph.initializers = try initializers.map(transform)
        graph.nodes = try nodes.map { try $0.mapTensors(transform) }
        return graph
    }

    /// True when some tensor, in this graph or a subgraph, is stored externally.
    var containsExternalData: Bool { firstExternalTensorName != nil }

    /// The name of the first externally stored tensor, searching subgraphs too.
    var firstExternalTensorName: String? {
        var found: String?
        _ = try? mapTensors { tensor in
            if found == nil, case .external = tensor.data { found = tensor.name }
            return tensor
        }
        return found
    }
}

extension ONNXNode {
    /// The node with `transform` applied to its attribute tensors and subgraphs.
    func mapTensors(_ transform: (ONNXTensor) throws -> ONNXTensor) throws -> ONNXNode {
        guard !attributes.isEmpty else { return self }
        var node = self
        for (name, value) in attributes {
            switch value {
            case let .tensor(tensor): node.attributes[name] = .tensor(try transform(tensor))
            case let .tensors(tensors): node.attributes[name] = .tensors(try tensors.map(transform))
            case let .graph(graph): node.attributes[name] = .graph(try graph.mapTensors(transform))
            case let .graphs(graphs): node.attributes[name] = .graphs(try graphs.map { try $0.mapTensors(transform) })
            default: continue
            }
        }
        return node
    }
}
