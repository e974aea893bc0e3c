import CKernels

/// The vectorised float32 kernels behind fused plan steps: activations, group normalisation
/// with an affine and an activation, softmax over rows. Single calls are single-threaded;
/// the `Tensor` forms split rows or groups between threads.
public enum FusedKernels {
    /// The instruction set the kernels use ("avx512", "avx2" or "baseline").
    public static var instructionSet: String { String(cString: wn_instruction_set()) }

    /// Switches the kernels to a named instruction set; false when the CPU lacks it.
    @discardableResult
    public static func selectInstructionSet(_ name: String) -> Bool { wn_select_instruction_set(name) != 0 }

    /// dst[i] = activation(src[i]); dst may equal src.
    public static func activation(_ activation: FusedActivation, source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>, count: Int) {
        let (kind, alpha, beta) = activation.code
        Parallel.forChunksPooled(count, grain: 1 << 14) { _, range in
            wn_activation(source + range.lowerBound, destination + range.lowerBound, range.count, kind, alpha, beta)
        }
    }

    /// Group normalisation of `batch` images of `channels` planes of `plane` floats in `groups`
    /// groups, then per channel `· scale[c] + shift[c]` (nil: 1 and 0), then `activation`.
    public static func groupNorm(source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>, batch: Int, channels: Int,
                                 plane: Int, groups: Int, epsilon: Float, scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?,
                                 activation: FusedActivation) {
        let (kind, alpha, beta) = activation.code
        let perGroup = channels / groups
        Parallel.forEachPooled(batch * groups) { _, item in
            let g = item % groups
            let offset = item * perGroup * plane
            wn_group_norm(source + offset, destination + offset, Int32(perGroup), plane, epsilon,
                          scale.map { $0 + g * perGroup }, shift.map { $0 + g * perGroup }, kind, alpha, beta)
        }
    }

    /// Softmax over each of `rows` contiguous rows of `length` floats.
    public static func softmaxRows(source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>, rows: Int, length: Int) {
        Parallel.forChunksPooled(rows, grain: Swift.max(1, 4096 / Swift.max(length, 1))) { _, range in
            wn_softmax_rows(source + range.lowerBound * length, destination + range.lowerBound * length, range.count, length)
        }
    }
}

extension Tensor {
    /// `activation` applied to every element of a float32 tensor (new tensor).
    public func fusedActivation(_ activation: FusedActivation) throws -> Tensor {
        guard dtype == .float32 else { throw TensorError.unsupportedDType(op: "fusedActivation", dtype: dtype) }
        let x = contiguous()
        var out = Tensor(uninitialized: shape, dtype: .float32)
        FusedKernels.activation(activation, source: x.floatBase, destination: out.storage.pointer(as: Float.self), count: count)
        _ = out.count
        return out
    }

    /// Group normalisation of (N, C, ...) in `groups` groups, then `· scale[c] + shift[c]`
    /// (C values each, or nil), then `activation` (new tensor).
    public func fusedGroupNorm(groups: Int, epsilon: Float, scale: Tensor?, shift: Tensor?, activation: FusedActivation = .none) throws -> Tensor {
        guard dtype == .float32 else { throw TensorError.unsupportedDType(op: "fusedGroupNorm", dtype: dtype) }
        guard rank >= 2, groups >= 1, shape[1] % groups == 0 else {
            throw TensorError.shapeMismatch(op: "fusedGroupNorm", detail: "need (N, C, ...) with C divisible by \(groups) groups, got \(shape)")
        }
        for t in [scale, shift] {
            if let t, t.count != shape[1] || t.dtype != .float32 {
                throw TensorError.shapeMismatch(op: "fusedGroupNorm", detail: "scale and shift need \(shape[1]) float32 values, got \(t.dtype) \(t.shape)")
            }
        }
        let x = contiguous(), s = scale?.contiguous(), b = shift?.contiguous()
        var out = Tensor(uninitialized: shape, dtype: .float32)
        FusedKernels.groupNorm(source: x.floatBase, destination: out.storage.pointer(as: Float.self), batch: shape[0], channels: shape[1],
                               plane: Shape.count(Array(shape.dropFirst(2))), groups: groups, epsilon: epsilon,
                               scale: s?.floatBase, shift: b?.floatBase, activation: activation)
        _ = out.count
        return withExtendedLifetime((s, b)) { out }
    }

    /// Softmax over the last axis (new tensor).
    public func fusedSoftmaxLastAxis() throws -> Tensor {
        guard dtype == .float32, rank >= 1 else { throw TensorError.unsupportedDType(op: "fusedSoftmax", dtype: dtype) }
        let x = contiguous()
        var out = Tensor(uninitialized: shape, dtype: .float32)
        let length = shape[rank - 1]
        if length > 0 {
            FusedKernels.softmaxRows(source: x.floatBase, destination: out.storage.pointer(as: Float.self), rows: count / length, length: length)
        }
        _ = out.count
        return out
    }
}

extension FusedKernels {
    /// C[i] = alpha · op(A[i]) · op(B[i]) for `batch` row-major matrices (op transposes when
    /// asked): A[i] is M×K (K×M transposed), B[i] K×N (N×K), C[i] M×N. A batch stride of 0
    /// broadcasts that operand. The batch and row blocks are split between the pool's threads,
    /// each calling a single-threaded BLAS GEMM (callers hold BLAS at one thread).
    public static func batchedGemm(a: UnsafePointer<Float>, aBatchStride: Int, b: UnsafePointer<Float>, bBatchStride: Int,
                                   c: UnsafeMutablePointer<Float>, batch: Int, m: Int, n: Int, k: Int,
                                   transposeA: Bool, transposeB: Bool, alpha: Float) {
        guard batch > 0, m > 0, n > 0 else { return }
        if k == 0 {
            // An empty sum: BLAS refuses lda = 0 and would leave C as it was.
            c.update(repeating: 0, count: batch * m * n)
            return
        }
        let threads = Parallel.threads
        let rowParts = Swift.max(1, Swift.min((m + 15) / 16, (4 * threads + batch - 1) / batch))
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        Parallel.forEachPooled(batch * rowParts) { _, item in
            let i = item / rowParts, part = item % rowParts
            let m0 = part * m / rowParts, m1 = (part + 1) * m / rowParts
            guard m0 < m1 else { return }
            let ai = a + i * aBatchStride + (transposeA ? m0 : m0 * k)
            Float.gemm(transA: transposeA, transB: transposeB, m: m1 - m0, n: n, k: k, alpha: alpha,
                       a: ai, lda: lda, b: b + i * bBatchStride, ldb: ldb, beta: 0, c: c + i * m * n + m0 * n, ldc: n)
        }
    }
}
