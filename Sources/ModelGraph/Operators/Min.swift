import TensorCore

extension Ops {
    /// ONNX Min: the elementwise minimum of every input, broadcast together (NaN wins).
    public struct Min: Operator {
        public static let opType = "Min"
        public static let versions = [6, 8, 12, 13]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            [try VariadicElementwise.fold(.minimum, inputs, context: context)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
