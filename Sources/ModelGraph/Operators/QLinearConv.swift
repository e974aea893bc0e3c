import TensorCore

extension Ops {
    /// ONNX QLinearConv: the Int32 convolution of (x − x_zp) and (w − w_zp) plus the Int32 bias,
    /// requantised with x_scale·w_scale/y_scale (w_scale and w_zp may be per output channel) to
    /// y_zero_point's type.
    public struct QLinearConv: Operator {
        public static let opType = "QLinearConv"
        public static let versions = [10]
        let convolution: Ops.Conv

        public init(node: Node, version: Int) throws {
            convolution = try Ops.Conv(node: node, version: 11)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "x"), xScale = try context.required(inputs, 1, "x_scale")
            let xZero = try context.required(inputs, 2, "x_zero_point")
            let w = try context.required(inputs, 3, "w"), wScale = try context.required(inputs, 4, "w_scale")
            let wZero = try context.required(inputs, 5, "w_zero_point")
            let yScale = try context.required(inputs, 6, "y_scale")
            let yZero = inputs.count > 7 ? inputs[7] : nil
            let bias = inputs.count > 8 ? inputs[8] : nil
            let input = try IntegerArithmetic.centered(x, xZero, axis: nil, context: context, what: "x")
            let weight = try IntegerArithmetic.centered(w, wZero, axis: 0, context: context, what: "w")
            var biasValue: Tensor?
            if let bias {
                guard bias.dtype == .int32 else { throw context.invalid("B", "must be int32, got \(bias.dtype)") }
                biasValue = try bias.cast(to: .float64)
            }
            guard let accumulator = try convolution.run([input, weight, biasValue], context: context).first ?? nil else {
                throw context.invalid("output", "the convolution produced no output")
            }
            let multiplier = try IntegerArithmetic.multiplier(xScale, wScale, yScale, rank: accumulator.rank, axis: 1, context: context)
            return [try IntegerArithmetic.requantize(accumulator, multiplier: multiplier, zeroPoint: yZero, fallback: x.dtype, context: context)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("QLinearConv is an inference-only quantized op") }
    }
}
