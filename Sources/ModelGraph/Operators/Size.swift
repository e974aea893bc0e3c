import TensorCore

extension Ops {
    /// ONNX Size: the input's element count as an int64 scalar.
    public struct Size: Operator {
        public static let opType = "Size"
        public static let versions = [1, 13, 19, 21, 23, 24, 25]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            [Tensor(scalar: Int64(try context.required(inputs, 0, "data").count))]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("Size: the output holds an element count, not channel data")
        }
    }
}
