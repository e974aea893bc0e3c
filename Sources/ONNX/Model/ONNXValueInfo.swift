/// A ValueInfoProto: a graph input, output or intermediate value with its type.
public struct ONNXValueInfo: Sendable, Equatable {
    public var name: String
    /// The declared type; nil when the file gives none.
    public var type: ONNXValueType?
    public var docString: String

    public init(name: String, type: ONNXValueType?, docString: String = "") {
        self.name = name
        self.type = type
        self.docString = docString
    }

    /// A tensor value; `dims` nil means the rank is unknown.
    public init(name: String, elementType: ONNXDataType, dims: [ONNXDimension]?) {
        self.init(name: name, type: .tensor(elementType: elementType, shape: dims))
    }

    /// The element type when the value is a tensor.
    public var elementType: ONNXDataType? {
        if case let .tensor(elementType, _) = type { return elementType }
        return nil
    }

    /// The dims when the value is a tensor of known rank.
    public var dims: [ONNXDimension]? {
        if case let .tensor(_, shape) = type { return shape }
        return nil
    }
}

/// A TypeProto. Only tensors matter to Winnow's graph; the others are carried so that a
/// model that uses them can be reported precisely.
public indirect enum ONNXValueType: Sendable, Equatable {
    /// A dense tensor; `shape` nil means unknown rank.
    case tensor(elementType: ONNXDataType, shape: [ONNXDimension]?)
    case sparseTensor(elementType: ONNXDataType, shape: [ONNXDimension]?)
    case sequence(ONNXValueType?)
    case optional(ONNXValueType?)
    case map(keyType: ONNXDataType, valueType: ONNXValueType?)
    case opaque
}

/// One axis of a declared shape.
public enum ONNXDimension: Sendable, Hashable, CustomStringConvertible {
    /// `dim_value`: a fixed size.
    case known(Int)
    /// `dim_param`: a named size such as `batch`.
    case symbolic(String)
    /// Neither field set.
    case unknown

    public var description: String {
        switch self {
        case let .known(size): return String(size)
        case let .symbolic(name): return name
        case .unknown: return "?"
        }
    }
}
