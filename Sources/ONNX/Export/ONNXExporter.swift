import Foundation
import ModelGraph
import TensorCore

/// Writes Winnow's `Graph` back to ONNX (DESIGN.md: export writes the graph onnxruntime runs):
/// the graph's IR version and opset imports are kept, initializers are the parameters'
/// current values as `raw_data` (or external data above a size threshold), node attributes and
/// declared value types, symbolic dims included, are carried over.
public enum ONNXExporter {
    /// The model for `graph`, every tensor inline.
    public static func model(from graph: Graph) throws -> ONNXModel {
        var opsets: [ONNXOpsetImport] = []
        // The default domain first, then the others in name order, so output is deterministic.
        for domain in graph.opsetImports.keys.sorted() {
            guard let version = graph.opsetImports[domain] else { continue }
            opsets.append(ONNXOpsetImport(domain: domain, version: Int64(version)))
        }
        let irVersion = Int64(graph.irVersion)
        var proto = try graphProto(graph, source: "graph '\(graph.name)'")
        // Before IR 4 every initializer had to be listed among the graph inputs as well.
        if irVersion < 4 {
            let listed = Set(proto.inputs.map(\.name))
            for initializer in proto.initializers where !listed.contains(initializer.name) {
                proto.inputs.append(ONNXValueInfo(name: initializer.name, elementType: initializer.dataType,
                                                  dims: initializer.dims.map { .known($0) }))
            }
        }
        return ONNXModel(irVersion: irVersion, opsetImports: opsets, producerName: graph.producerName,
                         producerVersion: graph.producerVersion, graph: proto)
    }

    /// Writes `graph` to `url`. With `externalDataThreshold`, initializers larger than that many
    /// bytes go to one `<file>.data` beside the model. Both files appear atomically. Keep the
    /// threshold above the size of shape tensors (1024 is pip onnx's default): onnxruntime's
    /// shape inference cannot read Reshape shapes or ReduceMean axes from an external file.
    public static func save(_ graph: Graph, to url: URL, externalDataThreshold: Int? = nil) throws {
        let model = try model(from: graph)
        try ONNXWriter(externalDataThreshold: externalDataThreshold).write(model, to: url)
    }

    /// The GraphProto of `graph` (also used for subgraph attributes).
    static func graphProto(_ graph: Graph, source: String) throws -> ONNXGraphProto {
        let initializers = graph.initializers.map { ONNXTensor(name: $0.name, tensor: $0.value) }
        let nodes = try graph.nodes.map { try node($0, source: source) }
        // Intermediate value types in the order their producers run, then any others by name.
        var valueInfo: [ONNXValueInfo] = []
        var written = Set<String>()
        for node in graph.nodes {
            for output in node.outputs where !output.isEmpty && !written.contains(output) {
                guard let info = graph.valueInfo[output] else { continue }
                valueInfo.append(Self.valueInfo(info))
                written.insert(output)
            }
        }
        for name in graph.valueInfo.keys.sorted() where !written.contains(name) {
            if let info = graph.valueInfo[name] { valueInfo.append(Self.valueInfo(info)) }
        }
        return ONNXGraphProto(name: graph.name, nodes: nodes, initializers: initializers,
                              inputs: graph.inputs.map(Self.valueInfo), outputs: graph.outputs.map(Self.valueInfo),
                              valueInfo: valueInfo)
    }

    static func node(_ node: Node, source: String) throws -> ONNXNode {
        var attributes: [String: ONNXAttribute] = [:]
        for (name, value) in node.attributes {
            attributes[name] = try attribute(value, node: node, name: name, source: source)
        }
        return ONNXNode(name: node.name, opType: node.opType, domain: node.domain, inputs: node.inputs,
                        outputs: node.outputs, attributes: attributes)
    }

    static func attribute(_ value: AttributeValue, node: Node, name: String, source: String) throws -> ONNXAttribute {
        switch value {
        case let .int(number): return .int(Int64(number))
        case let .float(number): return .float(Float(number))
        case let .string(text): return .string(text)
        case let .tensor(tensor): return .tensor(ONNXTensor(name: "", tensor: tensor))
        case let .ints(numbers): return .ints(numbers.map { Int64($0) })
        case let .floats(numbers): return .floats(numbers.map { Float($0) })
        case let .strings(texts): return .strings(texts)
        case let .tensors(tensors): return .tensors(tensors.map { ONNXTensor(name: "", tensor: $0) })
        case let .graph(subgraph):
            return .graph(try graphProto(subgraph, source: "\(source), node \(node.label), attribute '\(name)'"))
        }
    }

    /// A value's declared type; a value whose element type Winnow does not know is written
    /// without a type (the importer keeps such types as unknown).
    static func valueInfo(_ info: ValueInfo) -> ONNXValueInfo {
        guard let dtype = info.dtype else { return ONNXValueInfo(name: info.name, type: nil) }
        let dims = info.shape?.map { dimension -> ONNXDimension in
            switch dimension {
            case let .known(size): return .known(size)
            case let .symbolic(name): return .symbolic(name)
            case .unknown: return .unknown
            }
        }
        return ONNXValueInfo(name: info.name, elementType: ONNXDataType(dtype), dims: dims)
    }
}
