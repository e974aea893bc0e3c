/// Transpose: permutes axes (ONNX Transpose), any dtype.
extension Tensor {
    /// Output axis i is input axis `permutation[i]`: [N, C, H, W] with [0, 2, 3, 1] gives
    /// [N, H, W, C]. Nil reverses the axes (the ONNX default). Reads views through their strides;
    /// transposes that move the innermost axis copy in cache-sized tiles. The gradient transposes
    /// back with the inverse permutation.
    public func transposed(permutation: [Int]? = nil) throws -> Tensor {
        let perm = permutation ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw TensorError.invalidArgument(op: "transpose", detail: "permutation \(perm) is not a permutation of 0..<\(rank) (shape \(shape))")
        }
        if perm == Array(0..<rank) { return self }
        let outShape = perm.map { shape[$0] }
        let out = Tensor(uninitialized: outShape, dtype: dtype)
        Tensor.copyElements(of: self, permutation: perm, into: out, at: 0, strides: Shape.contiguousStrides(outShape))
        guard dtype.isFloatingPoint else { return out }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return out.recorded("Transpose", inputs: [self]) { g in [try g.transposed(permutation: inverse)] }
    }
}
