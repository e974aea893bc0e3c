import TensorCore

extension Ops {
    /// ONNX Sum: the elementwise sum of every input, broadcast together.
    public struct Sum: Operator {
        public static let opType = "Sum"
        public static let versions = [6, 8, 13]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            [try VariadicElementwise.fold(.add, inputs, context: context)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
