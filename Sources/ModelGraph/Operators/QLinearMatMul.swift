import TensorCore

extension Ops {
    /// ONNX QLinearMatMul: (a − a_zp)·(b − b_zp) requantised with a_scale·b_scale/y_scale to
    /// y_zero_point's type (scalar scales and zero points).
    public struct QLinearMatMul: Operator {
        public static let opType = "QLinearMatMul"
        public static let versions = [10]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let a = try context.required(inputs, 0, "a"), aScale = try context.required(inputs, 1, "a_scale")
            let aZero = try context.required(inputs, 2, "a_zero_point")
            let b = try context.required(inputs, 3, "b"), bScale = try context.required(inputs, 4, "b_scale")
            let bZero = try context.required(inputs, 5, "b_zero_point")
            let yScale = try context.required(inputs, 6, "y_scale"), yZero = try context.required(inputs, 7, "y_zero_point")
            let left = try IntegerArithmetic.centered(a, aZero, axis: nil, context: context, what: "a")
            let right = try IntegerArithmetic.centered(b, bZero, axis: nil, context: context, what: "b")
            let accumulator = try left.matmul(right)
            let multiplier = try IntegerArithmetic.multiplier(aScale, bScale, yScale, rank: accumulator.rank, axis: accumulator.rank - 1, context: context)
            return [try IntegerArithmetic.requantize(accumulator, multiplier: multiplier, zeroPoint: yZero, fallback: a.dtype, context: context)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("QLinearMatMul is an inference-only quantized op") }
    }
}
