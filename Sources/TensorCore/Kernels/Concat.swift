/// Concat: joins tensors along one axis (ONNX Concat), any dtype.
extension Tensor {
    /// Joins `tensors` along `axis` (negative counts from the back): inputs [A..., n_k, B...] of one
    /// dtype and rank ≥ 1 give [A..., Σn_k, B...]. Inputs may be views (read through their strides)
    /// and may be empty along `axis`. The gradient is split back into the inputs' sizes.
    public static func concat(_ tensors: [Tensor], axis: Int) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.invalidArgument(op: "concat", detail: "needs at least one tensor")
        }
        let rank = first.rank
        guard rank > 0 else {
            throw TensorError.invalidArgument(op: "concat", detail: "cannot concatenate rank-0 tensors; unsqueeze them to rank 1 first")
        }
        let a = try Shape.normalizeAxis(axis, rank: rank, op: "concat")
        var outShape = first.shape
        outShape[a] = 0
        for (k, t) in tensors.enumerated() {
            guard t.dtype == first.dtype else {
                throw TensorError.dtypeMismatch(op: "concat (input \(k))", expected: first.dtype, got: t.dtype)
            }
            guard t.rank == rank, (0..<rank).allSatisfy({ $0 == a || t.shape[$0] == first.shape[$0] }) else {
                throw TensorError.shapeMismatch(op: "concat", detail: "input \(k) has shape \(t.shape), input 0 has \(first.shape); all axes but \(a) must agree")
            }
            outShape[a] += t.shape[a]
        }
        let out = concatElements(tensors, axis: a, outShape: outShape)
        guard first.dtype.isFloatingPoint else { return out }
        let sizes = tensors.map { $0.shape[a] }
        return out.recorded("Concat", inputs: tensors) { g in
            try Tensor.splitElements(g, axis: a, sizes: sizes, op: "Concat")
        }
    }

    /// The forward kernel: shapes already checked, `outShape` the joined shape.
    static func concatElements(_ tensors: [Tensor], axis: Int, outShape: [Int]) -> Tensor {
        let out = Tensor(uninitialized: outShape, dtype: tensors[0].dtype)
        let outStrides = Shape.contiguousStrides(outShape)
        let identity = Array(0..<outShape.count)
        var position = 0
        for t in tensors {
            copyElements(of: t, permutation: identity, into: out, at: position * outStrides[axis], strides: outStrides)
            position += t.shape[axis]
        }
        return out
    }
}
