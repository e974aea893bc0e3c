import Foundation
import ModelGraph
import ONNX
import TensorCore

// TEMPORARY stand-in until the lead's ONNXImporter lands on main; deleted on merge.
enum ONNXImporter {
    static func load(contentsOf url: URL) throws -> Graph {
        let model = try ONNXReader.read(contentsOf: url)
        func dims(_ d: [ONNXDimension]?) -> [ModelGraph.Dimension]? {
            d?.map { (x: ONNXDimension) -> ModelGraph.Dimension in switch x { case let .known(n): .known(n); case let .symbolic(s): .symbolic(s); case .unknown: .unknown } }
        }
        func info(_ v: ONNXValueInfo) -> ValueInfo { ValueInfo(name: v.name, dtype: v.elementType?.dtype, shape: dims(v.dims)) }
        func attribute(_ a: ONNXAttribute) throws -> AttributeValue? {
            switch a {
            case let .float(v): return .float(Double(v))
            case let .int(v): return .int(Int(v))
            case let .string(v): return .string(v)
            case let .tensor(t): return .tensor(try t.makeTensor())
            case let .floats(v): return .floats(v.map(Double.init))
            case let .ints(v): return .ints(v.map { Int($0) })
            case let .strings(v): return .strings(v)
            default: return nil
            }
        }
        let initializers = try model.graph.initializers.map { Parameter(name: $0.name, value: try $0.makeTensor()) }
        let names = Set(initializers.map(\.name))
        var nodes: [Node] = []
        for n in model.graph.nodes {
            var attrs: [String: AttributeValue] = [:]
            for (k, v) in n.attributes { attrs[k] = try attribute(v) }
            nodes.append(Node(name: n.name, opType: n.opType, domain: n.domain, inputs: n.inputs, outputs: n.outputs, attributes: attrs))
        }
        var opsets: [String: Int] = [:]
        for o in model.opsetImports { opsets[o.domain == "ai.onnx" ? "" : o.domain] = Int(o.version) }
        return Graph(name: model.graph.name, irVersion: Int(model.irVersion), opsetImports: opsets,
                     inputs: model.graph.inputs.filter { !names.contains($0.name) }.map(info),
                     outputs: model.graph.outputs.map(info), nodes: nodes, initializers: initializers)
    }
}
