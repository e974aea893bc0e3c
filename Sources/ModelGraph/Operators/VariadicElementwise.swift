import TensorCore

/// Shared body of Max, Min, Sum and Mean: a left fold of one binary op over every input, with
/// NumPy broadcasting (opsets 1 and 6 required equal shapes, which broadcasting includes).
enum VariadicElementwise {
    /// `inputs[0] op inputs[1] op …`; Float16 is computed in Float32, Bool is refused.
    static func fold(_ op: BinaryOp, _ inputs: [Tensor?], context: OperatorContext) throws -> Tensor {
        let present = inputs.compactMap { $0 }
        guard let first = present.first else {
            throw context.invalid("inputs", "\(context.node.opType) needs at least one input")
        }
        for (index, t) in present.enumerated() where t.dtype != first.dtype {
            throw context.invalid("input \(index)", "is \(t.dtype) but input 0 is \(first.dtype); all inputs must share a dtype")
        }
        switch first.dtype {
        case .bool:
            throw context.invalid("input 0", "\(context.node.opType) needs numeric inputs, got bool")
        case .float16:
            var result = try first.cast(to: .float32)
            for t in present.dropFirst() { result = try result.binary(op, t.cast(to: .float32)) }
            return try result.cast(to: .float16)
        default:
            var result = first
            for t in present.dropFirst() { result = try result.binary(op, t) }
            return result
        }
    }
}
