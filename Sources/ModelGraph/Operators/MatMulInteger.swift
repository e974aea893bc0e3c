import TensorCore

extension Ops {
    /// ONNX MatMulInteger: (A − a_zero_point)·(B − b_zero_point) in Int32, for uint8/int8 A and
    /// B; a_zero_point is a scalar or per row of A, b_zero_point a scalar or per column of B.
    public struct MatMulInteger: Operator {
        public static let opType = "MatMulInteger"
        public static let versions = [10]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let a = try context.required(inputs, 0, "A"), b = try context.required(inputs, 1, "B")
            let aZero = inputs.count > 2 ? inputs[2] : nil, bZero = inputs.count > 3 ? inputs[3] : nil
            guard a.rank >= 1, b.rank >= 1 else { throw context.invalid("A/B", "need rank ≥ 1, got \(a.shape) and \(b.shape)") }
            let left = try IntegerArithmetic.centered(a, aZero, axis: a.rank >= 2 ? a.rank - 2 : nil, context: context, what: "A")
            let right = try IntegerArithmetic.centered(b, bZero, axis: b.rank - 1, context: context, what: "B")
            return [try left.matmul(right).cast(to: .int32)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("MatMulInteger is an inference-only quantized op") }
    }
}
