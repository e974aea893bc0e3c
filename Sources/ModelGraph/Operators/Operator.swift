import TensorCore

/// An ONNX operator implementation: one file per op type in this folder, types in `enum Ops`.
///
/// Requirements: the op type, the ONNX since-versions it implements, an initializer that reads
/// and validates a node's attributes for one of those versions, `run`, and the structured-pruning
/// description. Register the type in `OperatorRegistry.builtIn`.
public protocol Operator: Sendable {
    /// ONNX op type, e.g. "Conv".
    static var opType: String { get }
    /// Operator domain ("" is the default ONNX domain).
    static var domain: String { get }
    /// The ONNX since-versions this implementation covers.
    static var versions: [Int] { get }
    /// Parses the node's attributes for schema `version` (a member of `versions`); throws on
    /// anything it does not support, naming the node and attribute.
    init(node: Node, version: Int) throws
    /// Computes the outputs from the inputs (nil for omitted optional inputs). Runs through
    /// TensorCore functions, so the tape records it when grad mode is on.
    func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?]
    /// How channels flow through this node, for structured pruning (`.opaque` when it cannot say).
    func channels(inputRanks: [Int?]) -> ChannelDescription
    /// The same with what else is known about the inputs (shapes, constant values). Ops whose
    /// channel flow depends on a shape tensor or axes input (Reshape, ReduceMean ≥ 18)
    /// implement this one; the default asks `channels(inputRanks:)`.
    func channels(_ query: ChannelQuery) -> ChannelDescription
    /// Multiply-accumulates and parameters for the given input shapes (zero MACs by default).
    func cost(inputShapes: [[Int]?], outputShapes: [[Int]?]) -> NodeCost
}

extension Operator {
    public static var domain: String { "" }
    public func channels(_ query: ChannelQuery) -> ChannelDescription { channels(inputRanks: query.inputRanks) }
    public func cost(inputShapes: [[Int]?], outputShapes: [[Int]?]) -> NodeCost { NodeCost() }
}

/// What a node sees while it runs.
public struct OperatorContext {
    /// The node being run (for error messages and names).
    public let node: Node
    /// Training mode: BatchNormalization uses batch statistics and updates its running ones,
    /// Dropout drops.
    public let training: Bool
    /// The initializer behind each input, when the input is one (BatchNormalization updates its
    /// running statistics through these).
    public let inputParameters: [Parameter?]
    /// Random stream for stochastic ops in training (Dropout).
    public var random: RandomStream?

    public init(node: Node, training: Bool = false, inputParameters: [Parameter?] = [], random: RandomStream? = nil) {
        self.node = node
        self.training = training
        self.inputParameters = inputParameters
        self.random = random
    }

    /// Input `index`, or a typed error naming the node when it is missing.
    public func required(_ inputs: [Tensor?], _ index: Int, _ what: String) throws -> Tensor {
        guard index < inputs.count, let t = inputs[index] else {
            throw ModelGraphError.invalidAttribute(node: node.label, attribute: "input \(index)", detail: "the required input '\(what)' is missing")
        }
        return t
    }
}

/// The namespace of operator implementations (several ONNX op names shadow Swift/Foundation names).
public enum Ops {}
