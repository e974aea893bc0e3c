/// The value of a NodeProto attribute, one case per AttributeProto kind.
public indirect enum ONNXAttribute: Sendable, Equatable {
    case float(Float)
    case int(Int64)
    /// A string attribute, decoded as UTF-8 (invalid bytes become U+FFFD).
    case string(String)
    case tensor(ONNXTensor)
    /// A subgraph (If, Loop, Scan bodies).
    case graph(ONNXGraphProto)
    case floats([Float])
    case ints([Int64])
    case strings([String])
    case tensors([ONNXTensor])
    case graphs([ONNXGraphProto])
    /// Inside a function body: takes the value of the function's attribute `attribute`;
    /// `type` is the declared AttributeType number.
    case reference(attribute: String, type: Int32)
    /// A kind Winnow does not read (sparse tensors, type protos, an undefined type); `kind`
    /// names it for error messages.
    case unsupported(kind: String)

    /// The ONNX name of the kind (`INT`, `FLOATS`, `GRAPH`...).
    public var kindName: String {
        switch self {
        case .float: return "FLOAT"
        case .int: return "INT"
        case .string: return "STRING"
        case .tensor: return "TENSOR"
        case .graph: return "GRAPH"
        case .floats: return "FLOATS"
        case .ints: return "INTS"
        case .strings: return "STRINGS"
        case .tensors: return "TENSORS"
        case .graphs: return "GRAPHS"
        case .reference: return "REFERENCE"
        case let .unsupported(kind): return kind
        }
    }

    /// The value of an INT attribute.
    public var intValue: Int64? {
        if case let .int(value) = self { return value }
        return nil
    }

    /// The value of a FLOAT attribute.
    public var floatValue: Float? {
        if case let .float(value) = self { return value }
        return nil
    }

    /// The value of a STRING attribute.
    public var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    /// The value of an INTS attribute.
    public var intsValue: [Int64]? {
        if case let .ints(value) = self { return value }
        return nil
    }

    /// The value of a FLOATS attribute.
    public var floatsValue: [Float]? {
        if case let .floats(value) = self { return value }
        return nil
    }

    /// The value of a STRINGS attribute.
    public var stringsValue: [String]? {
        if case let .strings(value) = self { return value }
        return nil
    }

    /// The value of a TENSOR attribute.
    public var tensorValue: ONNXTensor? {
        if case let .tensor(value) = self { return value }
        return nil
    }

    /// The value of a GRAPH attribute.
    public var graphValue: ONNXGraphProto? {
        if case let .graph(value) = self { return value }
        return nil
    }
}
