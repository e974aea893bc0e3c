/// A model-local FunctionProto (IR >= 8): a named operator defined by a node list.
public struct ONNXFunction: Sendable, Equatable {
    public var name: String
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    /// Names of the attributes the function takes.
    public var attributeNames: [String]
    public var nodes: [ONNXNode]
    public var opsetImports: [ONNXOpsetImport]
    public var docString: String

    public init(name: String, domain: String, inputs: [String], outputs: [String], attributeNames: [String] = [],
                nodes: [ONNXNode], opsetImports: [ONNXOpsetImport], docString: String = "") {
        self.name = name
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributeNames = attributeNames
        self.nodes = nodes
        self.opsetImports = opsetImports
        self.docString = docString
    }
}
