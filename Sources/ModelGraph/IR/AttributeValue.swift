import TensorCore

/// An ONNX node attribute.
public enum AttributeValue: Sendable {
    case int(Int)
    case float(Double)
    case string(String)
    case tensor(Tensor)
    case ints([Int])
    case floats([Double])
    case strings([String])
    case tensors([Tensor])
    /// A subgraph (If/Loop/Scan bodies); kept so the node can be reported, not executed.
    case graph(Graph)

    /// The ONNX kind name, for error messages.
    public var kind: String {
        switch self {
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .tensor: return "tensor"
        case .ints: return "ints"
        case .floats: return "floats"
        case .strings: return "strings"
        case .tensors: return "tensors"
        case .graph: return "graph"
        }
    }
}
