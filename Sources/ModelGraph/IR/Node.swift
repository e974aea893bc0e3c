import TensorCore

/// One ONNX node: an operator applied to named values. Inputs are value names; an empty name
/// marks an omitted optional input.
public struct Node: Sendable {
    public var name: String
    public var opType: String
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: AttributeValue]

    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [String: AttributeValue] = [:]) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// A readable reference for errors: the name, or the op type and first output.
    public var label: String {
        name.isEmpty ? "\(opType) producing '\(outputs.first ?? "?")'" : "'\(name)' (\(opType))"
    }

    // MARK: Typed attribute access (errors name the node and attribute)

    func wrongKind(_ attribute: String, _ expected: String, _ got: AttributeValue) -> ModelGraphError {
        .invalidAttribute(node: label, attribute: attribute, detail: "expected \(expected), got \(got.kind)")
    }

    public func int(_ attribute: String) throws -> Int? {
        guard let value = attributes[attribute] else { return nil }
        guard case let .int(v) = value else { throw wrongKind(attribute, "int", value) }
        return v
    }
    public func int(_ attribute: String, default fallback: Int) throws -> Int { try int(attribute) ?? fallback }

    public func float(_ attribute: String) throws -> Double? {
        guard let value = attributes[attribute] else { return nil }
        switch value {
        case let .float(v): return v
        case let .int(v): return Double(v)
        default: throw wrongKind(attribute, "float", value)
        }
    }
    public func float(_ attribute: String, default fallback: Double) throws -> Double { try float(attribute) ?? fallback }

    public func string(_ attribute: String) throws -> String? {
        guard let value = attributes[attribute] else { return nil }
        guard case let .string(v) = value else { throw wrongKind(attribute, "string", value) }
        return v
    }
    public func string(_ attribute: String, default fallback: String) throws -> String { try string(attribute) ?? fallback }

    public func ints(_ attribute: String) throws -> [Int]? {
        guard let value = attributes[attribute] else { return nil }
        switch value {
        case let .ints(v): return v
        case let .int(v): return [v]
        default: throw wrongKind(attribute, "ints", value)
        }
    }

    public func floats(_ attribute: String) throws -> [Double]? {
        guard let value = attributes[attribute] else { return nil }
        switch value {
        case let .floats(v): return v
        case let .float(v): return [v]
        default: throw wrongKind(attribute, "floats", value)
        }
    }

    public func strings(_ attribute: String) throws -> [String]? {
        guard let value = attributes[attribute] else { return nil }
        guard case let .strings(v) = value else { throw wrongKind(attribute, "strings", value) }
        return v
    }

    public func tensor(_ attribute: String) throws -> Tensor? {
        guard let value = attributes[attribute] else { return nil }
        guard case let .tensor(v) = value else { throw wrongKind(attribute, "tensor", value) }
        return v
    }
}
