import TensorCore

/// Shared input layout of the `ai.onnx.preview.training` optimizers (Adagrad, Adam, Momentum):
/// R (learning rate) and T (step count) scalars, then n tensors for each of `groups`
/// (X, G, then the optimizer's state tensors).
enum TrainingOptimizer {
    static let domain = "ai.onnx.preview.training"

    static func arguments(_ inputs: [Tensor?], groups: Int, context: OperatorContext) throws -> (rate: Double, step: Double, tensors: [[Tensor]]) {
        let r = try context.required(inputs, 0, "R"), t = try context.required(inputs, 1, "T")
        guard r.count == 1, t.count == 1 else { throw context.invalid("R/T", "must be scalars, got \(r.shape) and \(t.shape)") }
        let rest = inputs.dropFirst(2).compactMap { $0 }
        guard rest.count == inputs.count - 2, !rest.isEmpty, rest.count % groups == 0 else {
            throw context.invalid("inputs", "after R and T \(context.node.opType) needs \(groups) tensors per optimized input, got \(inputs.count - 2)")
        }
        let n = rest.count / groups
        let tensors = (0..<groups).map { g in Array(rest[(g * n)..<((g + 1) * n)]) }
        for i in 0..<n {
            let x = tensors[0][i]
            guard x.dtype.isFloatingCompute else { throw context.invalid("X", "must be float32 or float64, got \(x.dtype)") }
            for group in tensors where group[i].shape != x.shape || group[i].dtype != x.dtype {
                throw context.invalid("inputs", "every tensor of optimized input \(i) must be \(x.dtype) \(x.shape), got \(group[i].dtype) \(group[i].shape)")
            }
        }
        return (try r.item(), try t.item(), tensors)
    }
}
