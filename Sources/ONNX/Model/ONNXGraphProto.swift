/// A GraphProto as stored: nodes in file order, initializers, inputs, outputs and value infos.
public struct ONNXGraphProto: Sendable, Equatable {
    public var name: String
    public var nodes: [ONNXNode]
    public var initializers: [ONNXTensor]
    /// Graph inputs (in IR < 4 files these also list the initializers).
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]
    /// Types of intermediate values, when the file records them.
    public var valueInfo: [ONNXValueInfo]
    public var docString: String
    /// Number of sparse initializers, which Winnow does not read; an importer refuses them.
    public var sparseInitializerCount: Int

    public init(name: String = "", nodes: [ONNXNode] = [], initializers: [ONNXTensor] = [],
                inputs: [ONNXValueInfo] = [], outputs: [ONNXValueInfo] = [], valueInfo: [ONNXValueInfo] = [],
                docString: String = "", sparseInitializerCount: Int = 0) {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
        self.docString = docString
        self.sparseInitializerCount = sparseInitializerCount
    }
}
