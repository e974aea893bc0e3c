import TensorCore

extension Ops {
    /// ONNX Not: logical negation of a Bool tensor.
    public struct Not: Operator {
        public static let opType = "Not"
        public static let versions = [1]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            [try context.required(inputs, 0, "X").logicalNot()]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
