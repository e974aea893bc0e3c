import TensorCore

extension Ops {
    /// ONNX Max: the elementwise maximum of every input, broadcast together (NaN wins).
    public struct Max: Operator {
        public static let opType = "Max"
        public static let versions = [6, 8, 12, 13]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            [try VariadicElementwise.fold(.maximum, inputs, context: context)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
