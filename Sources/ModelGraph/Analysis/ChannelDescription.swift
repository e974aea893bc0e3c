import TensorCore

/// How channels flow through one node, declared by its operator for structured pruning
/// (DESIGN.md): which inputs are weights and their channel axes, how each (input, axis) maps to
/// each (output, axis), and whether the op's own attributes/constants change when channels go.
public struct ChannelDescription: Sendable, Equatable {
    /// A weight input and its output/input channel axes (Conv W: out 0, in 1).
    public struct Weight: Sendable, Equatable {
        public var input: Int
        public var outAxis: Int?
        public var inAxis: Int?
        public init(input: Int, outAxis: Int?, inAxis: Int?) {
            self.input = input
            self.outAxis = outAxis
            self.inAxis = inAxis
        }
    }

    /// One channel relation between an input axis and an output axis.
    public enum Mapping: Sendable, Equatable {
        /// Every input and output share their right-aligned axes (broadcasting elementwise ops):
        /// removing channel c of an axis removes it from all of them (size-1 broadcast axes excepted).
        case elementwise
        /// Channel c of (input, inputAxis) is channel c of (output, outputAxis).
        case passthrough(input: Int, inputAxis: Int, output: Int, outputAxis: Int)
        /// Channels of (input, axis) are summed into the output (a contraction with a weight's
        /// in-axis); removing one needs the matching weight slice removed too.
        case contracted(input: Int, axis: Int)
        /// Output channels on `outputAxis` are created by weight `weight`'s out-axis.
        case produced(weight: Int, output: Int, outputAxis: Int)
        /// Inputs are concatenated on `axis`: input i's channels sit at an offset in the output.
        case concatenated(axis: Int)
        /// The input is split on `axis` into the outputs.
        case split(axis: Int)
        /// Channel c of (input, inputAxis) becomes `factor` consecutive positions of
        /// (output, outputAxis) (Flatten/Reshape of (N, C, H, W) to (N, C·H·W): factor H·W).
        case expanded(input: Int, inputAxis: Int, output: Int, outputAxis: Int, factor: Int)
        /// The channel axis seen as `groups` equal groups on the other side (GroupNorm exported
        /// as Reshape (N, C, H, W) → (N, G, C/G·H·W), and back): channels must go evenly from
        /// every group, and the op's shape constant is rewritten.
        case regrouped(input: Int, inputAxis: Int, output: Int, outputAxis: Int, groups: Int)
    }

    public var weights: [Weight]
    public var mappings: [Mapping]
    /// Attributes or constant inputs that must be rewritten when channels are removed
    /// (Conv `group`, Split sizes, Reshape shape tensors).
    public var rewrites: [String]
    /// Why pruning must stop at this node, when it cannot say how channels flow.
    public var opaqueReason: String?

    public init(weights: [Weight] = [], mappings: [Mapping] = [], rewrites: [String] = [], opaqueReason: String? = nil) {
        self.weights = weights
        self.mappings = mappings
        self.rewrites = rewrites
        self.opaqueReason = opaqueReason
    }

    public var isOpaque: Bool { opaqueReason != nil }

    /// Elementwise ops (activations, arithmetic with broadcasting).
    public static let elementwise = ChannelDescription(mappings: [.elementwise])

    /// Pruning stops here.
    public static func opaque(_ reason: String) -> ChannelDescription { ChannelDescription(opaqueReason: reason) }

    /// Channel axis 1 of input 0 flows to axis 1 of output 0 and per-channel parameter inputs
    /// (BatchNormalization scale/bias/mean/var) are sliced along their axis 0.
    public static func perChannel(parameterInputs: [Int]) -> ChannelDescription {
        ChannelDescription(weights: parameterInputs.map { Weight(input: $0, outAxis: 0, inAxis: nil) },
                           mappings: [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1)])
    }
}

/// What is known about a node's inputs when it describes its channels.
public struct ChannelQuery: Sendable {
    /// Rank of each input (nil when unknown or omitted).
    public var inputRanks: [Int?]
    /// Shape of each input at some run (nil when unknown); axis 0 may differ between runs.
    public var inputShapes: [[Int]?]
    /// Value of each small integer input when known — a graph constant, or the value a sample
    /// run computed (shape tensors built by Shape/Gather/Concat chains) — else nil.
    public var inputValues: [Tensor?]

    public init(inputRanks: [Int?], inputShapes: [[Int]?] = [], inputValues: [Tensor?] = []) {
        self.inputRanks = inputRanks
        self.inputShapes = inputShapes
        self.inputValues = inputValues
    }

    /// The query for `node` of `graph` given the shapes of its inputs (nil when unknown) and the
    /// values a sample run gave them; graph constants are filled in from the graph.
    public init(node: Node, graph: Graph, inputShapes: [[Int]?], sampleValues: [Tensor?] = []) {
        self.inputShapes = inputShapes
        self.inputRanks = inputShapes.map { $0?.count }
        self.inputValues = node.inputs.enumerated().map { index, name in
            if !name.isEmpty, let p = graph.parameter(named: name), !p.requiresGrad { return p.value }
            guard index < sampleValues.count, let value = sampleValues[index], value.dtype == .int64 || value.dtype == .int32,
                  value.count <= 64 else { return nil }
            return value
        }
    }

    /// Shape of input `index`, if known.
    public func shape(_ index: Int) -> [Int]? { index < inputShapes.count ? inputShapes[index] : nil }
    /// Integer values of input `index`, when known.
    public func integers(_ index: Int) -> [Int]? {
        guard index < inputValues.count, let t = inputValues[index], t.dtype == .int64 || t.dtype == .int32 else { return nil }
        return t.doubles().map { Int($0) }
    }
}

/// Compute cost of one node.
public struct NodeCost: Sendable, Equatable {
    /// Multiply-accumulates of one forward pass at the given shapes.
    public var macs: Int
    /// Elements of the trainable parameters the node reads first (filled in by `GraphProfile`,
    /// so a shared weight counts once).
    public var parameters: Int
    public init(macs: Int = 0, parameters: Int = 0) {
        self.macs = macs
        self.parameters = parameters
    }
}
