import TensorCore

/// Activations written as compositions of tensor-core functions (so the tape records every
/// step and gradients need no code of their own). Float16 is computed in Float32.
enum ActivationMath {
    /// `body(x)` for Float32/Float64; Float16 through Float32; other dtypes are refused.
    static func floating(_ x: Tensor, _ context: OperatorContext, _ body: (Tensor) throws -> Tensor) throws -> Tensor {
        switch x.dtype {
        case .float32, .float64: return try body(x)
        case .float16: return try body(x.cast(to: .float32)).cast(to: .float16)
        default:
            throw context.invalid("input 0", "\(context.node.opType) needs a floating-point input, got \(x.dtype) \(x.shape)")
        }
    }

    /// min(x, 0) = −relu(−x).
    static func negativePart(_ x: Tensor) throws -> Tensor {
        try x.unary(.negate).unary(.relu).unary(.negate)
    }

    /// alpha·(exp(min(x, 0)/scale) − 1) + relu(x): ELU when scale = 1, CELU with scale = alpha.
    static func elu(_ x: Tensor, alpha: Double, scale: Double = 1) throws -> Tensor {
        var negative = try negativePart(x)
        if scale != 1 { negative = try negative.multiplying(1 / scale) }
        let tail = try negative.unary(.exp).adding(-1).multiplying(alpha)
        return try x.unary(.relu).adding(tail)
    }
}
