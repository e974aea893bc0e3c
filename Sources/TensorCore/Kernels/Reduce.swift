/// Reductions over axes (sum, mean, max, min, argmax, argmin). Float32 sums accumulate in
/// Float64; every output element is reduced sequentially by one thread, so results do not
/// depend on the thread count.
public enum ReduceOp: String, Sendable, CaseIterable {
    case sum, mean, max, min
}

/// Kept and reduced axes of a reduction over a contiguous input.
struct ReductionLayout {
    let inputShape: [Int]
    let keptShape: [Int]
    let keptStrides: [Int]
    /// Reduced axes after merging neighbours, outermost first.
    let reducedShape: [Int]
    let reducedStrides: [Int]
    let outputCount: Int
    let reducedCount: Int

    init(shape: [Int], axes: [Int]) {
        inputShape = shape
        let strides = Shape.contiguousStrides(shape)
        var kShape: [Int] = [], kStrides: [Int] = [], rShape: [Int] = [], rStrides: [Int] = []
        for axis in shape.indices {
            if axes.contains(axis) {
                if let last = rStrides.last, last == strides[axis] * shape[axis] {
                    rShape[rShape.count - 1] *= shape[axis]
                    rStrides[rStrides.count - 1] = strides[axis]
                } else {
                    rShape.append(shape[axis]); rStrides.append(strides[axis])
                }
            } else {
                kShape.append(shape[axis]); kStrides.append(strides[axis])
            }
        }
        if rShape.isEmpty { rShape = [1]; rStrides = [1] }
        keptShape = kShape; keptStrides = kStrides
        reducedShape = rShape; reducedStrides = rStrides
        outputCount = Shape.count(kShape)
        reducedCount = Shape.count(rShape)
    }

    /// Offset of output element `o`'s first input element.
    @inline(__always) func base(_ o: Int) -> Int {
        var rem = o, off = 0
        for axis in stride(from: keptShape.count - 1, through: 0, by: -1) {
            off += (rem % keptShape[axis]) * keptStrides[axis]
            rem /= keptShape[axis]
        }
        return off
    }

    /// Visits the reduced elements of output `o` as runs along the innermost reduced axis.
    @inline(__always) func forEachRun(_ o: Int, _ body: (_ offset: Int, _ count: Int, _ stride: Int) -> Void) {
        let b = base(o)
        let depth = reducedShape.count
        let innerCount = reducedShape[depth - 1], innerStride = reducedStrides[depth - 1]
        if depth == 1 { body(b, innerCount, innerStride); return }
        let runs = reducedCount / innerCount
        for run in 0..<runs {
            var rem = run, off = b
            for axis in stride(from: depth - 2, through: 0, by: -1) {
                off += (rem % reducedShape[axis]) * reducedStrides[axis]
                rem /= reducedShape[axis]
            }
            body(off, innerCount, innerStride)
        }
    }
}

extension Tensor {
    /// Reduces over `axes` (all axes when empty). `keepDims` keeps them with size 1.
    public func reduce(_ op: ReduceOp, axes: [Int] = [], keepDims: Bool = false) throws -> Tensor {
        let norm = try Shape.normalizeAxes(axes, rank: rank, op: op.rawValue)
        for a in norm where shape[a] == 0 && (op == .max || op == .min) {
            throw TensorError.invalidArgument(op: op.rawValue, detail: "cannot take \(op.rawValue) over empty axis \(a) of shape \(shape)")
        }
        let keptShape = shape.indices.map { norm.contains($0) ? 1 : shape[$0] }
        let outShape = keepDims ? keptShape : shape.indices.filter { !norm.contains($0) }.map { shape[$0] }
        let x = contiguous()
        let layout = ReductionLayout(shape: shape, axes: norm)
        var out: Tensor
        switch dtype {
        case .float32: out = Tensor.reduceFloat(op, x, layout, Float.self)
        case .float64: out = Tensor.reduceFloat(op, x, layout, Double.self)
        case .int64: out = try Tensor.reduceInteger(op, x, layout, Int64.self)
        case .int32: out = try Tensor.reduceInteger(op, x, layout, Int32.self)
        default: throw TensorError.unsupportedDType(op: op.rawValue, dtype: dtype)
        }
        out.shape = outShape
        out.strides = Shape.contiguousStrides(outShape)
        guard dtype.isFloatingCompute else { return out }
        let input = self, y = out, count = Double(layout.reducedCount), inputShape = shape
        return out.recorded(op.rawValue, inputs: [input]) { g in
            let gk = try g.reshaped(keptShape)
            switch op {
            case .sum: return [try gk.expanded(to: inputShape)]
            case .mean: return [try gk.multiplying(1 / count).expanded(to: inputShape)]
            case .max, .min:
                // Ties share the gradient equally (as PyTorch's amax/amin do).
                let mask = try input.detached().compare(.equal, y.reshaped(keptShape)).cast(to: g.dtype)
                let ties = try mask.sum(axes: norm, keepDims: true)
                return [try mask.multiplying(gk.dividing(ties))]
            }
        }
    }

    static func reduceFloat<T: FloatElement>(_ op: ReduceOp, _ x: Tensor, _ layout: ReductionLayout, _: T.Type) -> Tensor {
        var out = Tensor(uninitialized: layout.keptShape, dtype: T.dtype)
        let po = out.storage.pointer(as: T.self)
        let px = x.storage.pointer(as: T.self) + x.offset
        let grain = max(1, 16384 / max(layout.reducedCount, 1))
        let scale = op == .mean ? 1 / Double(max(layout.reducedCount, 1)) : 1
        Parallel.forRange(layout.outputCount, grain: grain) { range in
            for o in range {
                switch op {
                case .sum, .mean:
                    var acc: Double = 0
                    layout.forEachRun(o) { off, n, s in
                        let p = px + off
                        var part: Double = 0
                        if s == 1 { for i in 0..<n { part += Double(p[i]) } } else { for i in 0..<n { part += Double(p[i * s]) } }
                        acc += part
                    }
                    po[o] = T(acc * scale)
                case .max:
                    var m = -T.infinity
                    layout.forEachRun(o) { off, n, s in
                        let p = px + off
                        for i in 0..<n { let v = p[i * s]; if v > m || v.isNaN { m = v } }
                    }
                    po[o] = m
                case .min:
                    var m = T.infinity
                    layout.forEachRun(o) { off, n, s in
                        let p = px + off
                        for i in 0..<n { let v = p[i * s]; if v < m || v.isNaN { m = v } }
                    }
                    po[o] = m
                }
            }
        }
        _ = out.count
        return out
    }

    static func reduceInteger<T: FixedWidthInteger & TensorElement>(_ op: ReduceOp, _ x: Tensor, _ layout: ReductionLayout, _: T.Type) throws -> Tensor {
        var out = Tensor(uninitialized: layout.keptShape, dtype: T.dtype)
        let po = out.storage.pointer(as: T.self)
        let px = x.storage.pointer(as: T.self) + x.offset
        for o in 0..<layout.outputCount {
            var acc: T = op == .max ? T.min : (op == .min ? T.max : 0)
            layout.forEachRun(o) { off, n, s in
                for i in 0..<n {
                    let v = px[off + i * s]
                    switch op {
                    case .sum, .mean: acc = acc &+ v
                    case .max: acc = Swift.max(acc, v)
                    case .min: acc = Swift.min(acc, v)
                    }
                }
            }
            if op == .mean { acc = acc / T(max(layout.reducedCount, 1)) }
            po[o] = acc
        }
        _ = out.count
        return out
    }

    /// Index (Int64) of the largest value along `axis`; first occurrence unless `selectLastIndex`.
    public func argmax(axis: Int, keepDims: Bool = true, selectLastIndex: Bool = false) throws -> Tensor {
        try argExtremum(axis: axis, keepDims: keepDims, selectLastIndex: selectLastIndex, largest: true)
    }

    /// Index (Int64) of the smallest value along `axis`; first occurrence unless `selectLastIndex`.
    public func argmin(axis: Int, keepDims: Bool = true, selectLastIndex: Bool = false) throws -> Tensor {
        try argExtremum(axis: axis, keepDims: keepDims, selectLastIndex: selectLastIndex, largest: false)
    }

    func argExtremum(axis: Int, keepDims: Bool, selectLastIndex: Bool, largest: Bool) throws -> Tensor {
        let op = largest ? "argmax" : "argmin"
        let a = try Shape.normalizeAxis(axis, rank: rank, op: op)
        guard shape[a] > 0 else { throw TensorError.invalidArgument(op: op, detail: "axis \(axis) of shape \(shape) is empty") }
        let outer = Shape.count(Array(shape[..<a])), n = shape[a], inner = Shape.count(Array(shape[(a + 1)...]))
        var keptShape = shape
        keptShape[a] = 1
        var out = Tensor(uninitialized: keepDims ? keptShape : keptShape.enumerated().filter { $0.offset != a }.map { $0.element }, dtype: .int64)
        let po = out.storage.pointer(as: Int64.self)
        let x = contiguous()
        func run<T: TensorElement & Comparable>(_: T.Type) {
            let px = x.storage.pointer(as: T.self) + x.offset
            for o in 0..<outer {
                for j in 0..<inner {
                    let p = px + o * n * inner + j
                    var best = p[0], index = 0
                    for i in 1..<max(n, 1) {
                        let v = p[i * inner]
                        let better = largest ? (selectLastIndex ? v >= best : v > best) : (selectLastIndex ? v <= best : v < best)
                        if better { best = v; index = i }
                    }
                    po[o * inner + j] = Int64(index)
                }
            }
        }
        switch dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .float16: run(Float16.self)
        case .int64: run(Int64.self)
        case .int32: run(Int32.self)
        case .int8: run(Int8.self)
        case .uint8: run(UInt8.self)
        case .bool: throw TensorError.unsupportedDType(op: op, dtype: dtype)
        }
        return out
    }

    public func sum(axes: [Int] = [], keepDims: Bool = false) throws -> Tensor { try reduce(.sum, axes: axes, keepDims: keepDims) }
    public func mean(axes: [Int] = [], keepDims: Bool = false) throws -> Tensor { try reduce(.mean, axes: axes, keepDims: keepDims) }
    /// Largest value over `axes` (named so it does not shadow `Swift.max` in extensions).
    public func maximum(axes: [Int] = [], keepDims: Bool = false) throws -> Tensor { try reduce(.max, axes: axes, keepDims: keepDims) }
    /// Smallest value over `axes`.
    public func minimum(axes: [Int] = [], keepDims: Bool = false) throws -> Tensor { try reduce(.min, axes: axes, keepDims: keepDims) }
}
