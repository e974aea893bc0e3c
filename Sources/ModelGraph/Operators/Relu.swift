import TensorCore

extension Ops {
    /// ONNX Relu: max(x, 0).
    public struct Relu: Operator {
        public static let opType = "Relu"
        public static let versions = [6, 13, 14]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            [try context.required(inputs, 0, "X").unary(.relu)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
