/// A NodeProto: one operator call with its value names and attributes.
public struct ONNXNode: Sendable, Equatable {
    /// The node's name (may be empty in hand-written files).
    public var name: String
    public var opType: String
    /// Operator domain; "" (or "ai.onnx") is the default ONNX domain.
    public var domain: String
    /// Input value names; "" marks an omitted optional input.
    public var inputs: [String]
    public var outputs: [String]
    /// Attributes by name (a file may not repeat a name; the writer emits them sorted).
    public var attributes: [String: ONNXAttribute]
    public var docString: String

    public init(name: String = "", opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [String: ONNXAttribute] = [:], docString: String = "") {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.docString = docString
    }
}
