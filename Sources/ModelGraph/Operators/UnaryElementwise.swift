import TensorCore

/// An elementwise op computed by one `UnaryOp` of the tensor core: Float32/Float64 (and the
/// integer types the core allows) directly, Float16 through Float32. Conforming types only name
/// the function; `run` and the channel description come from here.
public protocol UnaryElementwiseOperator: Operator {
    /// The tensor-core function this op applies.
    var function: UnaryOp { get }
}

extension UnaryElementwiseOperator {
    public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
        let x = try context.required(inputs, 0, "X")
        return [try UnaryElementwise.apply(function, x)]
    }

    public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
}

enum UnaryElementwise {
    /// `function(x)`; Float16 is storage only, so it is computed in Float32 and stored back.
    static func apply(_ function: UnaryOp, _ x: Tensor) throws -> Tensor {
        if x.dtype == .float16 { return try x.cast(to: .float32).unary(function).cast(to: .float16) }
        return try x.unary(function)
    }
}
