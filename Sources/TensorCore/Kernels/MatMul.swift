/// Batched matrix multiplication through BLAS GEMM, with NumPy/ONNX MatMul broadcasting.
extension Tensor {
    /// ONNX MatMul: `A[..., M, K] · B[..., K, N]` with broadcast batch axes; a 1-D operand is
    /// promoted (prepended/appended 1) and the added axis removed from the result.
    public func matmul(_ other: Tensor) throws -> Tensor {
        guard dtype == other.dtype else { throw TensorError.dtypeMismatch(op: "matmul", expected: dtype, got: other.dtype) }
        guard rank >= 1 && other.rank >= 1 else {
            throw TensorError.shapeMismatch(op: "matmul", detail: "operands must have rank ≥ 1, got \(shape) and \(other.shape)")
        }
        if rank == 1 && other.rank == 1 {
            return try unsqueezed(axes: [0]).matmul(other.unsqueezed(axes: [1])).reshaped([])
        }
        if rank == 1 { return try unsqueezed(axes: [0]).matmul(other).squeezed(axes: [-2]) }
        if other.rank == 1 { return try matmul(other.unsqueezed(axes: [1])).squeezed(axes: [-1]) }
        return try Tensor.gemm(self, other, transposeA: false, transposeB: false)
    }

    /// `op(A) · op(B)` for rank ≥ 2 operands with broadcast batch axes, where op transposes
    /// the last two axes when asked. Differentiable.
    public static func gemm(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) throws -> Tensor {
        guard a.dtype == b.dtype else { throw TensorError.dtypeMismatch(op: "matmul", expected: a.dtype, got: b.dtype) }
        guard a.dtype.isFloatingCompute else { throw TensorError.unsupportedDType(op: "matmul", dtype: a.dtype) }
        guard a.rank >= 2 && b.rank >= 2 else {
            throw TensorError.shapeMismatch(op: "matmul", detail: "operands must have rank ≥ 2, got \(a.shape) and \(b.shape)")
        }
        let m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
        let k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
        let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        guard k == kb else {
            throw TensorError.shapeMismatch(op: "matmul", detail: "inner sizes differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "") (\(k) vs \(kb))")
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = try Shape.broadcast(batchA, batchB, op: "matmul")
        let out: Tensor
        if a.dtype == .float32 {
            out = gemmForward(a, b, batch: batch, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, Float.self)
        } else {
            out = gemmForward(a, b, batch: batch, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, Double.self)
        }
        return out.recorded("MatMul", inputs: [a, b]) { g in
            // C = op(A)·op(B): dA = g·op(B)ᵀ (transposed back if A was), dB likewise.
            let ga = transposeA ? try gemm(b, g, transposeA: transposeB, transposeB: true)
                                : try gemm(g, b, transposeA: false, transposeB: !transposeB)
            let gb = transposeB ? try gemm(g, a, transposeA: true, transposeB: transposeA)
                                : try gemm(a, g, transposeA: !transposeA, transposeB: false)
            return [try ga.summed(toShape: a.shape), try gb.summed(toShape: b.shape)]
        }
    }

    static func gemmForward<T: FloatElement>(_ a: Tensor, _ b: Tensor, batch: [Int], m: Int, n: Int, k: Int,
                                             transposeA: Bool, transposeB: Bool, _: T.Type) -> Tensor {
        var out = Tensor(zeros: batch + [m, n], dtype: T.dtype)
        let batchCount = Shape.count(batch)
        if batchCount == 0 || m == 0 || n == 0 { return out }
        let ac = a.contiguous(), bc = b.contiguous()
        let pa = ac.storage.pointer(as: T.self) + ac.offset
        let pb = bc.storage.pointer(as: T.self) + bc.offset
        let pc = out.storage.pointer(as: T.self)
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        let batchB = Array(b.shape.dropLast(2))
        // B shared by every batch item and A not transposed: one tall GEMM over all rows.
        if !transposeA && Shape.count(batchB) == 1 && Array(a.shape.dropLast(2)) == batch {
            T.gemm(transA: false, transB: transposeB, m: batchCount * m, n: n, k: k, alpha: 1,
                   a: pa, lda: lda, b: pb, ldb: ldb, beta: 0, c: pc, ldc: n)
            return out
        }
        let aStrides = broadcastBatchStrides(Array(a.shape.dropLast(2)), to: batch, matrix: m * k)
        let bStrides = broadcastBatchStrides(batchB, to: batch, matrix: k * n)
        for index in 0..<batchCount {
            var rem = index, offA = 0, offB = 0
            for axis in stride(from: batch.count - 1, through: 0, by: -1) {
                let i = rem % batch[axis]
                rem /= batch[axis]
                offA += i * aStrides[axis]
                offB += i * bStrides[axis]
            }
            T.gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: 1,
                   a: pa + offA, lda: lda, b: pb + offB, ldb: ldb, beta: 0, c: pc + index * m * n, ldc: n)
        }
        _ = out.count
        return out
    }

    /// Element strides of a batch shape broadcast to `target` (0 on broadcast axes).
    static func broadcastBatchStrides(_ shape: [Int], to target: [Int], matrix: Int) -> [Int] {
        var strides = [Int](repeating: 0, count: target.count)
        var running = matrix
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            let t = axis + target.count - shape.count
            strides[t] = shape[axis] == 1 ? 0 : running
            running *= shape[axis]
        }
        return strides
    }
}
