import TensorCore

extension Ops {
    /// ONNX Identity: the input, unchanged.
    public struct Identity: Operator {
        public static let opType = "Identity"
        public static let versions = [1, 13, 14, 16, 19, 21, 23, 24, 25]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            [try context.required(inputs, 0, "input")]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
