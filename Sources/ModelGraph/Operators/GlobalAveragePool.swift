import TensorCore

extension Ops {
    /// ONNX GlobalAveragePool: (N, C, S₁…Sₖ) → (N, C, 1…1).
    public struct GlobalAveragePool: Operator {
        public static let opType = "GlobalAveragePool"
        public static let versions = [1, 22]
        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            [try context.required(inputs, 0, "X").globalAveragePool()]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            ChannelDescription(mappings: [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1)])
        }
    }
}
