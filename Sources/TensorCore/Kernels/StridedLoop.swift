/// Iteration over broadcast/strided operands for elementwise kernels: axes that are contiguous
/// for every operand are merged, then rows of the innermost axis are visited in parallel.
struct StridedLayout {
    /// Merged output shape (rank ≥ 1).
    var shape: [Int]
    /// Element strides of each operand over `shape` (0 on broadcast axes).
    var operandStrides: [[Int]]

    /// Builds the layout for operands viewed at `outShape` (right-aligned broadcasting).
    init(outShape: [Int], operands: [Tensor]) {
        let rank = outShape.count
        var strides: [[Int]] = operands.map { t in
            var s = [Int](repeating: 0, count: rank)
            for axis in 0..<t.rank {
                let outAxis = axis + rank - t.rank
                s[outAxis] = t.shape[axis] == 1 ? 0 : t.strides[axis]
            }
            return s
        }
        var shape = outShape
        // Drop size-1 axes, then merge neighbours that are contiguous for every operand.
        var keep: [Int] = []
        for axis in 0..<rank where shape[axis] != 1 { keep.append(axis) }
        shape = keep.map { shape[$0] }
        strides = strides.map { s in keep.map { s[$0] } }
        var i = shape.count - 1
        while i > 0 {
            let mergeable = strides.allSatisfy { $0[i - 1] == $0[i] * shape[i] }
            if mergeable {
                shape[i - 1] *= shape[i]
                shape.remove(at: i)
                for k in strides.indices { strides[k][i - 1] = strides[k][i]; strides[k].remove(at: i) }
            }
            i -= 1
        }
        if shape.isEmpty { shape = [1]; strides = strides.map { _ in [0] } }
        self.shape = shape
        self.operandStrides = strides
    }

    var inner: Int { shape[shape.count - 1] }
    var rows: Int { Shape.count(shape) / inner }

    /// Element offsets of `operand` for the start of each row in `range`, visited in order.
    @inline(__always)
    func forEachRow(_ range: Range<Int>, _ body: (_ row: Int, _ offsets: UnsafeMutableBufferPointer<Int>) -> Void) {
        let outer = shape.count - 1
        let nOps = operandStrides.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(outer, 1) + nOps) { scratch in
            let index = UnsafeMutableBufferPointer(rebasing: scratch[0..<max(outer, 1)])
            let offsets = UnsafeMutableBufferPointer(rebasing: scratch[max(outer, 1)...])
            var rem = range.lowerBound
            for axis in stride(from: outer - 1, through: 0, by: -1) {
                index[axis] = rem % shape[axis]
                rem /= shape[axis]
            }
            for k in 0..<nOps {
                var o = 0
                for axis in 0..<outer { o += index[axis] * operandStrides[k][axis] }
                offsets[k] = o
            }
            for row in range {
                body(row, offsets)
                var axis = outer - 1
                while axis >= 0 {
                    index[axis] += 1
                    for k in 0..<nOps { offsets[k] += operandStrides[k][axis] }
                    if index[axis] < shape[axis] { break }
                    for k in 0..<nOps { offsets[k] -= operandStrides[k][axis] * shape[axis] }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
}

/// Minimum elements per parallel chunk for memory-bound elementwise loops.
let elementwiseGrain = 1 << 15

extension Tensor {
    /// out[i] = f(a[i]) over any strided `a`.
    @inline(__always)
    static func mapUnary<A: TensorElement, O: TensorElement>(_ a: Tensor, _: A.Type, _: O.Type, _ f: (A) -> O) -> Tensor {
        var out = Tensor(uninitialized: a.shape, dtype: O.dtype)
        let n = out.count
        if n == 0 { return out }
        let po = out.storage.pointer(as: O.self)
        let pa = a.storage.pointer(as: A.self) + a.offset
        if a.isContiguous {
            Parallel.forRange(n, grain: elementwiseGrain) { r in
                for i in r { po[i] = f(pa[i]) }
            }
            return out
        }
        let layout = StridedLayout(outShape: a.shape, operands: [a])
        let inner = layout.inner, sa = layout.operandStrides[0].last!
        Parallel.forRange(layout.rows, grain: max(1, elementwiseGrain / inner)) { r in
            layout.forEachRow(r) { row, off in
                let o = po + row * inner, x = pa + off[0]
                for i in 0..<inner { o[i] = f(x[i * sa]) }
            }
        }
        _ = out.count
        return out
    }

    /// out[i] = f(a[i], b[i]) with NumPy broadcasting to `outShape`.
    @inline(__always)
    static func mapBinary<A: TensorElement, B: TensorElement, O: TensorElement>(
        _ a: Tensor, _ b: Tensor, outShape: [Int], _: A.Type, _: B.Type, _: O.Type, _ f: (A, B) -> O
    ) -> Tensor {
        var out = Tensor(uninitialized: outShape, dtype: O.dtype)
        let n = out.count
        if n == 0 { return out }
        let po = out.storage.pointer(as: O.self)
        let pa = a.storage.pointer(as: A.self) + a.offset
        let pb = b.storage.pointer(as: B.self) + b.offset
        if a.shape == outShape && b.shape == outShape && a.isContiguous && b.isContiguous {
            Parallel.forRange(n, grain: elementwiseGrain) { r in
                for i in r { po[i] = f(pa[i], pb[i]) }
            }
            return out
        }
        let layout = StridedLayout(outShape: outShape, operands: [a, b])
        let inner = layout.inner
        let sa = layout.operandStrides[0].last!, sb = layout.operandStrides[1].last!
        Parallel.forRange(layout.rows, grain: max(1, elementwiseGrain / inner)) { r in
            layout.forEachRow(r) { row, off in
                let o = po + row * inner, x = pa + off[0], y = pb + off[1]
                if sa == 1 && sb == 1 {
                    for i in 0..<inner { o[i] = f(x[i], y[i]) }
                } else if sa == 1 && sb == 0 {
                    let v = y[0]
                    for i in 0..<inner { o[i] = f(x[i], v) }
                } else if sa == 0 && sb == 1 {
                    let v = x[0]
                    for i in 0..<inner { o[i] = f(v, y[i]) }
                } else {
                    for i in 0..<inner { o[i] = f(x[i * sa], y[i * sb]) }
                }
            }
        }
        _ = out.count
        return out
    }

    /// out[i] = f(a[i], b[i], c[i]) with broadcasting (used by `where`).
    @inline(__always)
    static func mapTernary<A: TensorElement, B: TensorElement, C: TensorElement, O: TensorElement>(
        _ a: Tensor, _ b: Tensor, _ c: Tensor, outShape: [Int], _: A.Type, _: B.Type, _: C.Type, _: O.Type,
        _ f: (A, B, C) -> O
    ) -> Tensor {
        var out = Tensor(uninitialized: outShape, dtype: O.dtype)
        let n = out.count
        if n == 0 { return out }
        let po = out.storage.pointer(as: O.self)
        let pa = a.storage.pointer(as: A.self) + a.offset
        let pb = b.storage.pointer(as: B.self) + b.offset
        let pc = c.storage.pointer(as: C.self) + c.offset
        let layout = StridedLayout(outShape: outShape, operands: [a, b, c])
        let inner = layout.inner
        let sa = layout.operandStrides[0].last!, sb = layout.operandStrides[1].last!, sc = layout.operandStrides[2].last!
        Parallel.forRange(layout.rows, grain: max(1, elementwiseGrain / inner)) { r in
            layout.forEachRow(r) { row, off in
                let o = po + row * inner, x = pa + off[0], y = pb + off[1], z = pc + off[2]
                for i in 0..<inner { o[i] = f(x[i * sa], y[i * sb], z[i * sc]) }
            }
        }
        _ = out.count
        return out
    }
}
