import TensorCore

extension Ops {
    /// ONNX Where: condition ? X : Y elementwise, all three broadcast together; differentiable in
    /// X and Y.
    public struct Where: Operator {
        public static let opType = "Where"
        public static let versions = [9, 16]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let condition = try context.required(inputs, 0, "condition")
            let x = try context.required(inputs, 1, "X"), y = try context.required(inputs, 2, "Y")
            return [try Tensor.where(condition, x, y)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
