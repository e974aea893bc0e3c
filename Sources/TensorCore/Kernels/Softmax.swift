/// Softmax and log-softmax along one axis (ONNX Softmax/LogSoftmax, opset ≥ 13 semantics).
///
/// The tensor is viewed as (outer, K, inner) around the axis of size K. Rows along the axis are
/// strided by `inner`, so work is cut into (outer index, block of up to 64 inner columns) items:
/// each item walks K rows of a short contiguous run, which keeps loads sequential whatever the axis.
extension Tensor {
    /// Softmax along `axis`: `y = exp(x − max) / Σ exp(x − max)`, numerically stable.
    /// Any shape (rank ≥ 1); the output has the input's shape. Sums accumulate in Float64.
    public func softmax(axis: Int = -1) throws -> Tensor {
        try softmaxFamily(axis: axis, logarithm: false)
    }

    /// Log-softmax along `axis`: `y = x − max − log Σ exp(x − max)`, numerically stable.
    /// Any shape (rank ≥ 1); the output has the input's shape. Sums accumulate in Float64.
    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        try softmaxFamily(axis: axis, logarithm: true)
    }

    private func softmaxFamily(axis: Int, logarithm: Bool) throws -> Tensor {
        let op = logarithm ? "LogSoftmax" : "Softmax"
        guard rank >= 1 else {
            throw TensorError.invalidArgument(op: op, detail: "needs a tensor of rank ≥ 1, got a scalar; reshape it to [1] first")
        }
        let a = try Shape.normalizeAxis(axis, rank: rank, op: op)
        let layout = SoftmaxLayout(outer: Shape.count(Array(shape[..<a])), axisSize: shape[a],
                                   inner: Shape.count(Array(shape[(a + 1)...])))
        switch dtype {
        case .float32: return softmaxRecorded(Float.self, x: self, layout: layout, logarithm: logarithm, op: op)
        case .float64: return softmaxRecorded(Double.self, x: self, layout: layout, logarithm: logarithm, op: op)
        default: throw TensorError.unsupportedDType(op: op, dtype: dtype)
        }
    }
}

/// The (outer, K, inner) view of a tensor around the softmax axis.
private struct SoftmaxLayout {
    let outer: Int
    let axisSize: Int
    let inner: Int

    /// Inner columns handled together by one work item.
    var block: Int { inner == 1 ? 1 : min(inner, 64) }
    var blocksPerOuter: Int { (inner + block - 1) / block }
    var items: Int { outer * blocksPerOuter }
    var count: Int { outer * axisSize * inner }
    /// Items per chunk so each chunk has a few thousand elements of work.
    var grain: Int { max(1, 8192 / max(1, axisSize * block)) }
}

private func softmaxRecorded<T: FloatElement>(_: T.Type, x: Tensor, layout: SoftmaxLayout, logarithm: Bool, op: String) -> Tensor {
    var y = Tensor(uninitialized: x.shape, dtype: x.dtype)
    if layout.count > 0 {
        x.withElements(T.self) { xs in
            y.withMutableElements(T.self) { ys in
                softmaxForward(x: xs, y: ys, layout: layout, logarithm: logarithm)
            }
        }
    }
    let saved = y
    return y.recorded(op, inputs: [x]) { g in
        guard g.dtype == saved.dtype, g.shape == saved.shape else {
            throw TensorError.shapeMismatch(op: "\(op) backward", detail: "gradient \(g.dtype)\(g.shape) does not match output \(saved.dtype)\(saved.shape)")
        }
        var gx = Tensor(uninitialized: saved.shape, dtype: saved.dtype)
        if layout.count > 0 {
            saved.withElements(T.self) { ys in
                g.withElements(T.self) { gs in
                    gx.withMutableElements(T.self) { gxs in
                        softmaxBackward(y: ys, g: gs, gx: gxs, layout: layout, logarithm: logarithm)
                    }
                }
            }
        }
        return [gx]
    }
}

private func softmaxForward<T: FloatElement>(x: UnsafeBufferPointer<T>, y: UnsafeMutableBufferPointer<T>,
                                             layout: SoftmaxLayout, logarithm: Bool) {
    guard let xb = x.baseAddress, let yb = y.baseAddress else { return }
    let axisSize = layout.axisSize, inner = layout.inner, block = layout.block, perOuter = layout.blocksPerOuter
    Parallel.forRange(layout.items, grain: layout.grain) { range in
        let maxima = UnsafeMutablePointer<T>.allocate(capacity: block)
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: block)
        defer { maxima.deallocate(); sums.deallocate() }
        for item in range {
            let first = (item % perOuter) * block
            let width = min(block, inner - first)
            let base = (item / perOuter) * axisSize * inner + first
            for j in 0..<width { maxima[j] = xb[base + j] }
            for k in 1..<axisSize {
                let row = base + k * inner
                for j in 0..<width where xb[row + j] > maxima[j] { maxima[j] = xb[row + j] }
            }
            for j in 0..<width { sums[j] = 0 }
            for k in 0..<axisSize {
                let row = base + k * inner
                for j in 0..<width {
                    let e = T.exp(xb[row + j] - maxima[j])
                    yb[row + j] = e
                    sums[j] += Double(e)
                }
            }
            if logarithm {
                // Reuse `sums` for max + log Σ (in Float64, then one rounding per element).
                for j in 0..<width { sums[j] = Double(maxima[j]) + Double.log(sums[j]) }
                for k in 0..<axisSize {
                    let row = base + k * inner
                    for j in 0..<width { yb[row + j] = T(Double(xb[row + j]) - sums[j]) }
                }
            } else {
                for j in 0..<width { maxima[j] = T(1 / sums[j]) }
                for k in 0..<axisSize {
                    let row = base + k * inner
                    for j in 0..<width { yb[row + j] *= maxima[j] }
                }
            }
        }
    }
}

/// softmax: gx = y ⊙ (g − Σ g⊙y); log-softmax: gx = g − exp(y) ⊙ Σ g (sums along the axis).
private func softmaxBackward<T: FloatElement>(y: UnsafeBufferPointer<T>, g: UnsafeBufferPointer<T>,
                                              gx: UnsafeMutableBufferPointer<T>, layout: SoftmaxLayout, logarithm: Bool) {
    guard let yb = y.baseAddress, let gb = g.baseAddress, let ob = gx.baseAddress else { return }
    let axisSize = layout.axisSize, inner = layout.inner, block = layout.block, perOuter = layout.blocksPerOuter
    Parallel.forRange(layout.items, grain: layout.grain) { range in
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: block)
        defer { sums.deallocate() }
        for item in range {
            let first = (item % perOuter) * block
            let width = min(block, inner - first)
            let base = (item / perOuter) * axisSize * inner + first
            for j in 0..<width { sums[j] = 0 }
            for k in 0..<axisSize {
                let row = base + k * inner
                if logarithm {
                    for j in 0..<width { sums[j] += Double(gb[row + j]) }
                } else {
                    for j in 0..<width { sums[j] += Double(gb[row + j]) * Double(yb[row + j]) }
                }
            }
            for k in 0..<axisSize {
                let row = base + k * inner
                if logarithm {
                    for j in 0..<width { ob[row + j] = T(Double(gb[row + j]) - Double.exp(Double(yb[row + j])) * sums[j]) }
                } else {
                    for j in 0..<width { ob[row + j] = T(Double(yb[row + j]) * (Double(gb[row + j]) - sums[j])) }
                }
            }
        }
    }
}
