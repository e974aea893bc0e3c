import TensorCore

extension Ops {
    /// ONNX Xor: A ⊕ B on Bool tensors with broadcasting (opset 1's `broadcast`/`axis` form too).
    public struct Xor: Operator {
        public static let opType = "Xor"
        public static let versions = [1, 7]
        let legacy: LegacyBroadcast

        public init(node: Node, version: Int) throws {
            legacy = try LegacyBroadcast(node: node, active: version < 7)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let a = try context.required(inputs, 0, "A")
            let b = try legacy.align(a, context.required(inputs, 1, "B"), context: context)
            return [try a.logical(.xor, b)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
