/// Reshape and expand: free views that share storage when the layout allows.
extension Tensor {
    /// The same values in another shape; one entry may be -1 (inferred). Free for contiguous
    /// tensors, a copy for views.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var shape = newShape
        let inferred = shape.indices.filter { shape[$0] == -1 }
        guard inferred.count <= 1, shape.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.invalidArgument(op: "reshape", detail: "target shape \(newShape) may hold at most one -1 and no other negative size")
        }
        if let i = inferred.first {
            let known = shape.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            guard known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch(op: "reshape", detail: "cannot infer -1 in \(newShape) for \(count) elements (input shape \(self.shape))")
            }
            shape[i] = count / known
        }
        guard Shape.count(shape) == count else {
            throw TensorError.shapeMismatch(op: "reshape", detail: "shape \(newShape) holds \(Shape.count(shape)) elements, input shape \(self.shape) has \(count)")
        }
        let base = contiguous()
        let out = Tensor(storage: base.storage, shape: shape, strides: Shape.contiguousStrides(shape), offset: base.offset)
        let inputShape = self.shape
        return out.recorded("Reshape", inputs: [self]) { g in [try g.reshaped(inputShape)] }
    }

    /// A stride-0 view that broadcasts this tensor to `shape` (NumPy rules; no copy).
    /// The gradient sums over the broadcast axes.
    public func expanded(to target: [Int]) throws -> Tensor {
        let outShape = try Shape.broadcast(shape, target, op: "expand")
        guard outShape == target, target.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.shapeMismatch(op: "expand", detail: "cannot expand \(shape) to \(target)")
        }
        // A view allocates nothing, but whoever materialises it will.
        _ = try Shape.checkedCount(target, dtype: dtype, op: "expand")
        if outShape == shape { return self }
        var strides = [Int](repeating: 0, count: target.count)
        for axis in 0..<rank {
            let outAxis = axis + target.count - rank
            strides[outAxis] = shape[axis] == 1 && target[outAxis] != 1 ? 0 : self.strides[axis]
        }
        let out = Tensor(storage: storage, shape: target, strides: strides, offset: offset)
        let inputShape = shape
        return out.recorded("Expand", inputs: [self]) { g in [try g.summed(toShape: inputShape)] }
    }

    /// Sums a broadcast result back to `target` (the gradient rule of broadcasting).
    public func summed(toShape target: [Int]) throws -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        guard lead >= 0 else {
            throw TensorError.shapeMismatch(op: "sum-to-shape", detail: "cannot reduce \(shape) to larger rank \(target)")
        }
        var axes = Array(0..<lead)
        for i in 0..<target.count where target[i] != shape[i + lead] {
            guard target[i] == 1 else {
                throw TensorError.shapeMismatch(op: "sum-to-shape", detail: "cannot reduce \(shape) to \(target)")
            }
            axes.append(i + lead)
        }
        if axes.isEmpty { return try reshaped(target) }
        return try sum(axes: axes, keepDims: true).reshaped(target)
    }

    /// Adds axes of size 1 at `axes` (positions in the output; negative allowed).
    public func unsqueezed(axes: [Int]) throws -> Tensor {
        let outRank = rank + axes.count
        let norm = try Shape.normalizeAxes(axes, rank: outRank, op: "unsqueeze", emptyMeansAll: false)
        var shape: [Int] = []
        var source = self.shape.makeIterator()
        for i in 0..<outRank { shape.append(norm.contains(i) ? 1 : source.next()!) }
        return try reshaped(shape)
    }

    /// Removes axes of size 1 (all of them when `axes` is empty).
    public func squeezed(axes: [Int] = []) throws -> Tensor {
        let norm = axes.isEmpty ? shape.indices.filter { shape[$0] == 1 } : try Shape.normalizeAxes(axes, rank: rank, op: "squeeze")
        for a in norm where shape[a] != 1 {
            throw TensorError.invalidArgument(op: "squeeze", detail: "axis \(a) has size \(shape[a]), not 1 (shape \(shape))")
        }
        return try reshaped(shape.indices.filter { !norm.contains($0) }.map { shape[$0] })
    }
}
