import TensorCore

extension Ops {
    /// ONNX Softsign: x / (1 + abs(x)).
    public struct Softsign: Operator {
        public static let opType = "Softsign"
        public static let versions = [1, 22]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            return [try ActivationMath.floating(x, context) { try $0.dividing($0.unary(.abs).adding(1)) }]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
