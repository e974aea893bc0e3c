import TensorCore

extension Ops {
    /// ONNX QuantizeLinear: y = saturate(round_half_even(x / y_scale) + y_zero_point), uint8 by
    /// default or the zero point's dtype (uint8/int8); scale and zero point are scalars or, from
    /// opset 13, 1-D along `axis`. Quantization has no useful gradient; the result is not recorded.
    public struct QuantizeLinear: Operator {
        public static let opType = "QuantizeLinear"
        public static let versions = [10, 13]
        let axis: Int

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis", default: 1)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "x")
            let scale = try context.required(inputs, 1, "y_scale")
            let zeroPoint = inputs.count > 2 ? inputs[2] : nil
            let target = zeroPoint?.dtype ?? .uint8
            guard target == .uint8 || target == .int8 else {
                throw context.invalid("y_zero_point", "must be uint8 or int8, got \(target)")
            }
            // Divide in x's own precision (Float32 for Float32 x), as runtimes do: a quotient that
            // lands on .5 in Float32 must round the same way.
            let compute: DType = x.dtype == .float64 ? .float64 : .float32
            let s = try Quantization.broadcastable(scale, to: x, axis: axis, context: context).cast(to: compute)
            let z = try zeroPoint.map { try Quantization.broadcastable($0, to: x, axis: axis, context: context).cast(to: compute) }
                ?? Tensor(zeros: [], dtype: compute)
            let range: (Double, Double) = target == .uint8 ? (0, 255) : (-128, 127)
            let y = try x.detached().cast(to: compute).dividing(s).unary(.round).adding(z).unary(.clip(min: range.0, max: range.1))
            return [try y.cast(to: target)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}

/// Scale and zero-point placement shared by the quantization operators.
enum Quantization {
    /// A scalar as is; a 1-D tensor of x's size on `axis` reshaped to broadcast along it.
    static func broadcastable(_ t: Tensor, to x: Tensor, axis: Int, context: OperatorContext) throws -> Tensor {
        if t.count == 1 { return try t.reshaped([]) }
        let a = try TensorCore.Shape.normalizeAxis(axis, rank: x.rank, op: context.node.opType)
        guard t.rank == 1, t.count == x.shape[a] else {
            throw context.invalid("scale/zero point", "must be a scalar or 1-D of x's size \(x.shape[a]) on axis \(a); got \(t.shape)")
        }
        var shape = [Int](repeating: 1, count: x.rank)
        shape[a] = t.count
        return try t.reshaped(shape)
    }
}
