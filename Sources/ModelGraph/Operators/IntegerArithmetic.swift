import TensorCore

/// Shared pieces of the integer (quantized) operators: inputs minus their zero points, exact in
/// Float64 for 8-bit values and the sums these ops form, and the requantisation of QLinear*.
enum IntegerArithmetic {
    /// `x − zeroPoint` in Float64; the zero point is a scalar or, when `axis` is given, a 1-D
    /// tensor along that axis of x.
    static func centered(_ x: Tensor, _ zeroPoint: Tensor?, axis: Int?, context: OperatorContext, what: String) throws -> Tensor {
        guard x.dtype == .uint8 || x.dtype == .int8 else {
            throw context.invalid(what, "must be uint8 or int8, got \(x.dtype)")
        }
        let value = try x.cast(to: .float64)
        guard let zeroPoint else { return value }
        guard zeroPoint.dtype == x.dtype else {
            throw context.invalid("\(what) zero point", "is \(zeroPoint.dtype) but \(what) is \(x.dtype)")
        }
        if zeroPoint.count == 1 { return try value.subtracting(zeroPoint.reshaped([]).cast(to: .float64)) }
        guard let axis, zeroPoint.rank == 1, axis < x.rank, zeroPoint.count == x.shape[axis] else {
            throw context.invalid("\(what) zero point", "must be a scalar\(axis.map { " or 1-D of size \(x.shape[$0]) (axis \($0))" } ?? ""); got \(zeroPoint.shape)")
        }
        var shape = [Int](repeating: 1, count: x.rank)
        shape[axis] = zeroPoint.count
        return try value.subtracting(zeroPoint.reshaped(shape).cast(to: .float64))
    }

    /// saturate(round_half_even(accumulator · multiplier) + zeroPoint) in the zero point's type.
    static func requantize(_ accumulator: Tensor, multiplier: Tensor, zeroPoint: Tensor?, fallback: DType,
                           context: OperatorContext) throws -> Tensor {
        let target = zeroPoint?.dtype ?? fallback
        guard target == .uint8 || target == .int8 else { throw context.invalid("y_zero_point", "must be uint8 or int8, got \(target)") }
        var real = try accumulator.multiplying(multiplier.cast(to: .float64))
        if let zeroPoint { real = try real.adding(zeroPoint.reshaped([]).cast(to: .float64)) }
        let range: (Double, Double) = target == .uint8 ? (0, 255) : (-128, 127)
        return try real.unary(.clip(min: range.0, max: range.1)).unary(.round).cast(to: target)
    }

    /// x_scale·w_scale / y_scale in Float32 (as runtimes compute it), shaped to broadcast along
    /// `axis` of a rank-`rank` result when w_scale is per channel.
    static func multiplier(_ xScale: Tensor, _ wScale: Tensor, _ yScale: Tensor, rank: Int, axis: Int,
                           context: OperatorContext) throws -> Tensor {
        for (t, name) in [(xScale, "x_scale"), (yScale, "y_scale")] where t.count != 1 {
            throw context.invalid(name, "must be a scalar, got shape \(t.shape)")
        }
        let ratio = try xScale.reshaped([]).cast(to: .float32).dividing(yScale.reshaped([]).cast(to: .float32))
        if wScale.count == 1 { return try wScale.reshaped([]).cast(to: .float32).multiplying(ratio) }
        var shape = [Int](repeating: 1, count: rank)
        shape[axis] = wScale.count
        return try xScale.reshaped([]).cast(to: .float32).multiplying(wScale.reshaped(shape).cast(to: .float32)).dividing(yScale.reshaped([]).cast(to: .float32))
    }
}
