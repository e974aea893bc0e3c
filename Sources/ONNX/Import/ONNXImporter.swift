import Foundation
import ModelGraph
import TensorCore

/// Turns an ONNX model into Winnow's one model representation, the editable `Graph`.
///
/// Initializers become named `Parameter`s (trainable when floating point, unless every reader
/// uses them as configuration: bounds, scales, shapes, BatchNormalization's running statistics); `Constant` nodes stay nodes until constant folding turns
/// them, and every node computable from constants alone, into graph constants.
public enum ONNXImporter {
    /// What import does beyond the one-to-one translation.
    public struct Options: Sendable {
        /// Fold constant subgraphs into graph constants (DESIGN.md: at load).
        public var foldConstants: Bool
        public init(foldConstants: Bool = true) { self.foldConstants = foldConstants }
    }

    /// Reads `url` (external data resolved in its folder) and imports it.
    public static func load(contentsOf url: URL, options: Options = Options()) throws -> Graph {
        let model = try ONNXReader.read(contentsOf: url)
        return try graph(from: model, source: url.path, options: options)
    }

    /// Imports a parsed model. `source` names the file in errors.
    public static func graph(from model: ONNXModel, source: String = "<memory>", options: Options = Options()) throws -> Graph {
        var opsets: [String: Int] = [:]
        for entry in model.opsetImports {
            opsets[ONNXOpsetImport.canonicalDomain(entry.domain)] = Int(entry.version)
        }
        if model.irVersion < 3 && opsets.isEmpty { opsets[""] = 1 }
        // Model-local functions are called like ops; with no implementation registered, their
        // nodes are reported as unsupported together with every other gap.
        let graph = try importGraph(model.graph, opsets: opsets, irVersion: Int(model.irVersion), source: source)
        graph.producerName = model.producerName
        graph.producerVersion = model.producerVersion
        if options.foldConstants {
            try ConstantFolding.fold(graph)
        }
        return graph
    }

    static func importGraph(_ proto: ONNXGraphProto, opsets: [String: Int], irVersion: Int, source: String) throws -> Graph {
        if proto.sparseInitializerCount > 0 {
            throw ONNXError.malformedModel(file: source, detail: "graph '\(proto.name)' has \(proto.sparseInitializerCount) sparse initializers, which Winnow does not read; densify them in the exporter")
        }
        let frozen = nonTrainableInputs(of: proto.nodes)
        var parameters: [Parameter] = []
        var seen = Set<String>()
        for (index, initializer) in proto.initializers.enumerated() {
            let label = initializer.name.isEmpty ? "initializer #\(index)" : initializer.name
            guard !initializer.name.isEmpty else {
                throw ONNXError.invalidTensor(file: source, tensor: label, detail: "an initializer has no name")
            }
            guard seen.insert(initializer.name).inserted else {
                throw ONNXError.invalidTensor(file: source, tensor: label, detail: "two initializers have this name")
            }
            let value = try initializer.makeTensor(source: source)
            let trainable = value.dtype.isFloatingCompute && !frozen.contains(initializer.name)
            parameters.append(Parameter(name: initializer.name, value: value, requiresGrad: trainable))
        }
        // Before IR 4 initializers were also listed as graph inputs; they are not fed at run time.
        let inputs = try proto.inputs.filter { !seen.contains($0.name) }.map { try valueInfo($0, source: source) }
        let outputs = try proto.outputs.map { try valueInfo($0, source: source) }
        var infos: [String: ValueInfo] = [:]
        for info in proto.valueInfo { infos[info.name] = try valueInfo(info, source: source) }
        var nodes: [Node] = []
        nodes.reserveCapacity(proto.nodes.count)
        for (index, node) in proto.nodes.enumerated() {
            let label = node.name.isEmpty ? "#\(index) (\(node.opType))" : node.name
            var attributes: [String: AttributeValue] = [:]
            for (name, attribute) in node.attributes {
                attributes[name] = try attributeValue(attribute, node: label, name: name, opsets: opsets, irVersion: irVersion, source: source)
            }
            nodes.append(Node(name: node.name, opType: node.opType, domain: ONNXOpsetImport.canonicalDomain(node.domain),
                              inputs: node.inputs, outputs: node.outputs, attributes: attributes))
        }
        return Graph(name: proto.name, irVersion: irVersion, opsetImports: opsets,
                     inputs: inputs, outputs: outputs, valueInfo: infos, nodes: nodes, initializers: parameters)
    }

    /// Inputs that configure an op rather than carry learnable values: bounds, scales, pads,
    /// shapes, indices, BatchNormalization's running statistics (updated by the op itself).
    /// An initializer used only in such places is a constant, not a parameter.
    static let configurationInputs: [String: Set<Int>] = [
        "BatchNormalization": [3, 4], "Clip": [1, 2], "Resize": [1, 2, 3], "Upsample": [1], "Pad": [1, 2, 3],
        "Reshape": [1], "Expand": [1], "Tile": [1], "Slice": [1, 2, 3, 4], "ConstantOfShape": [0], "Range": [0, 1, 2],
        "Gather": [1], "GatherElements": [1], "Dropout": [1, 2], "Split": [1], "Squeeze": [1], "Unsqueeze": [1],
        "ReduceMean": [1], "ReduceSum": [1], "ReduceMax": [1], "ReduceMin": [1], "Where": [0], "OneHot": [0, 1],
        "TopK": [1], "CumSum": [1],
    ]

    /// Initializers every reader of which uses as configuration (see `configurationInputs`).
    static func nonTrainableInputs(of nodes: [ONNXNode]) -> Set<String> {
        var configuration = Set<String>(), data = Set<String>()
        for node in nodes {
            let slots = ONNXOpsetImport.canonicalDomain(node.domain) == "" ? configurationInputs[node.opType] ?? [] : []
            for (index, name) in node.inputs.enumerated() where !name.isEmpty {
                if slots.contains(index) { configuration.insert(name) } else { data.insert(name) }
            }
        }
        return configuration.subtracting(data)
    }

    static func valueInfo(_ info: ONNXValueInfo, source: String) throws -> ValueInfo {
        switch info.type {
        case let .tensor(elementType, shape)?:
            let dims = shape?.map { dim -> ModelGraph.Dimension in
                switch dim {
                case let .known(size): return .known(size)
                case let .symbolic(name): return .symbolic(name)
                case .unknown: return .unknown
                }
            }
            // An element type Winnow cannot hold stays unknown here; the op that meets such a
            // value reports it with its node name.
            return ValueInfo(name: info.name, dtype: elementType.dtype, shape: dims)
        default:
            return ValueInfo(name: info.name, dtype: nil, shape: nil)
        }
    }

    static func attributeValue(_ attribute: ONNXAttribute, node: String, name: String, opsets: [String: Int],
                               irVersion: Int, source: String) throws -> AttributeValue {
        func tensor(_ t: ONNXTensor) throws -> Tensor {
            do {
                return try t.makeTensor(source: source)
            } catch let error as ONNXError {
                throw ONNXError.invalidAttribute(file: source, node: node, attribute: name, detail: "\(error)")
            }
        }
        switch attribute {
        case let .float(value): return .float(Double(value))
        case let .int(value): return .int(Int(value))
        case let .string(value): return .string(value)
        case let .tensor(value): return .tensor(try tensor(value))
        case let .graph(value):
            return .graph(try importGraph(value, opsets: opsets, irVersion: irVersion, source: source))
        case let .floats(values): return .floats(values.map(Double.init))
        case let .ints(values): return .ints(values.map { Int($0) })
        case let .strings(values): return .strings(values)
        case let .tensors(values): return .tensors(try values.map(tensor))
        case .graphs:
            throw ONNXError.invalidAttribute(file: source, node: node, attribute: name, detail: "lists of subgraphs (GRAPHS) are not supported")
        case let .reference(attribute, _):
            throw ONNXError.invalidAttribute(file: source, node: node, attribute: name,
                                             detail: "refers to function attribute '\(attribute)', which only a function body may do")
        case let .unsupported(kind):
            throw ONNXError.invalidAttribute(file: source, node: node, attribute: name, detail: "attributes of kind \(kind) are not supported")
        }
    }
}
