/// Window arithmetic shared by the pooling kernels and by shape inference in the graph layer.
public enum PoolingGeometry {
    /// Number of windows along one axis under ONNX MaxPool/AveragePool rules with explicit pads.
    ///
    /// `floor((in + padBegin + padEnd − ((kernel − 1)·dilation + 1)) / stride) + 1`, or with `ceil`
    /// in ceil mode, where a last window that would start inside the end padding is dropped
    /// (ONNX ≥ 1.16 and PyTorch agree on this). Returns nil when the window does not fit once.
    public static func outputSize(inputSize: Int, kernelSize: Int, stride: Int, padBegin: Int, padEnd: Int,
                                  dilation: Int, ceilMode: Bool) -> Int? {
        let extent = (kernelSize - 1) * dilation + 1
        let span = inputSize + padBegin + padEnd - extent
        guard span >= 0, stride > 0 else { return nil }
        if !ceilMode { return span / stride + 1 }
        var size = (span + stride - 1) / stride + 1
        if (size - 1) * stride >= inputSize + padBegin { size -= 1 }
        return size
    }
}

/// Validated 2-D pooling parameters and, per output row/column, the range of kernel taps that land
/// inside the input. Built once per call so the hot loops carry no bounds tests.
private struct PoolWindows2D {
    let planes: Int
    let inputHeight: Int, inputWidth: Int
    let outputHeight: Int, outputWidth: Int
    let dilationHeight: Int, dilationWidth: Int
    /// Input row/column of tap 0 of each output row/column (may be negative: padding).
    let rowStart: [Int], columnStart: [Int]
    /// Half-open ranges of taps inside the input.
    let rowTapBegin: [Int], rowTapEnd: [Int], columnTapBegin: [Int], columnTapEnd: [Int]
    /// Taps inside the padded extent [−padBegin, in + padEnd) (count_include_pad divisors).
    let rowTapsWithPad: [Int], columnTapsWithPad: [Int]

    var inputPlane: Int { inputHeight * inputWidth }
    var outputPlane: Int { outputHeight * outputWidth }

    init(input: Tensor, kernelShape: [Int], strides: [Int], pads: [Int], dilations: [Int], ceilMode: Bool, op: String) throws {
        guard input.rank == 4 else {
            throw TensorError.invalidArgument(op: op, detail: "expects an (N, C, H, W) input of rank 4, got shape \(input.shape)")
        }
        guard kernelShape.count == 2, kernelShape.allSatisfy({ $0 > 0 }) else {
            throw TensorError.invalidArgument(op: op, detail: "kernelShape must be two positive sizes [KH, KW], got \(kernelShape)")
        }
        guard strides.count == 2, strides.allSatisfy({ $0 > 0 }) else {
            throw TensorError.invalidArgument(op: op, detail: "strides must be two positive values, got \(strides)")
        }
        guard dilations.count == 2, dilations.allSatisfy({ $0 > 0 }) else {
            throw TensorError.invalidArgument(op: op, detail: "dilations must be two positive values, got \(dilations)")
        }
        guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: op, detail: "pads must be four non-negative values [top, left, bottom, right], got \(pads)")
        }
        for (i, pad) in pads.enumerated() where pad >= kernelShape[i % 2] {
            throw TensorError.invalidArgument(op: op, detail: "pad \(pad) at position \(i) of \(pads) must be smaller than the kernel size \(kernelShape[i % 2]) on that axis")
        }
        let h = input.shape[2], w = input.shape[3]
        guard h > 0, w > 0 else {
            throw TensorError.invalidArgument(op: op, detail: "spatial size of input \(input.shape) is empty")
        }
        guard let oh = PoolingGeometry.outputSize(inputSize: h, kernelSize: kernelShape[0], stride: strides[0], padBegin: pads[0],
                                                  padEnd: pads[2], dilation: dilations[0], ceilMode: ceilMode),
              let ow = PoolingGeometry.outputSize(inputSize: w, kernelSize: kernelShape[1], stride: strides[1], padBegin: pads[1],
                                                  padEnd: pads[3], dilation: dilations[1], ceilMode: ceilMode) else {
            throw TensorError.invalidArgument(op: op, detail: "kernel \(kernelShape) with dilations \(dilations) is larger than the padded input \(input.shape) (pads \(pads))")
        }
        planes = input.shape[0] * input.shape[1]
        inputHeight = h; inputWidth = w
        outputHeight = oh; outputWidth = ow
        dilationHeight = dilations[0]; dilationWidth = dilations[1]
        func taps(outputs: Int, size: Int, kernel: Int, stride: Int, padBegin: Int, padEnd: Int, dilation: Int)
            -> (start: [Int], begin: [Int], end: [Int], withPad: [Int]) {
            var start = [Int](), begin = [Int](), end = [Int](), withPad = [Int]()
            for o in 0..<outputs {
                let s = o * stride - padBegin
                // First tap with s + k·d ≥ 0 and one past the last with s + k·d ≤ size − 1.
                let first = s >= 0 ? 0 : (-s + dilation - 1) / dilation
                let last = s > size - 1 ? 0 : min(kernel, (size - 1 - s) / dilation + 1)
                let lastPadded = min(kernel, (size + padEnd - 1 - s) / dilation + 1)
                start.append(s); begin.append(min(first, last)); end.append(last); withPad.append(lastPadded)
            }
            return (start, begin, end, withPad)
        }
        let rows = taps(outputs: oh, size: h, kernel: kernelShape[0], stride: strides[0], padBegin: pads[0], padEnd: pads[2], dilation: dilations[0])
        let columns = taps(outputs: ow, size: w, kernel: kernelShape[1], stride: strides[1], padBegin: pads[1], padEnd: pads[3], dilation: dilations[1])
        rowStart = rows.start; rowTapBegin = rows.begin; rowTapEnd = rows.end; rowTapsWithPad = rows.withPad
        columnStart = columns.start; columnTapBegin = columns.begin; columnTapEnd = columns.end; columnTapsWithPad = columns.withPad
    }

    /// Planes per parallel chunk, so each chunk does a few thousand window taps.
    func grain(tapsPerOutput: Int) -> Int { max(1, 16384 / max(1, outputPlane * tapsPerOutput)) }
}

extension Tensor {
    /// 2-D max pooling (ONNX MaxPool): (N, C, H, W) → (N, C, OH, OW).
    ///
    /// `kernelShape` [KH, KW]; `strides` and `dilations` [along H, along W]; `pads` in ONNX order
    /// [top, left, bottom, right], each smaller than the kernel on its axis. Padded cells count as
    /// −∞; a window with no input cell yields −∞. NaN propagates. The gradient goes to the first
    /// maximum of each window in row-major order (indices are kept from the forward pass).
    public func maxPool2d(kernelShape: [Int], strides: [Int] = [1, 1], pads: [Int] = [0, 0, 0, 0],
                          dilations: [Int] = [1, 1], ceilMode: Bool = false) throws -> Tensor {
        let op = "MaxPool"
        let windows = try PoolWindows2D(input: self, kernelShape: kernelShape, strides: strides, pads: pads,
                                        dilations: dilations, ceilMode: ceilMode, op: op)
        switch dtype {
        case .float32: return maxPool2dRecorded(Float.self, x: self, windows: windows, op: op)
        case .float64: return maxPool2dRecorded(Double.self, x: self, windows: windows, op: op)
        default: throw TensorError.unsupportedDType(op: op, dtype: dtype)
        }
    }

    /// 2-D average pooling (ONNX AveragePool): (N, C, H, W) → (N, C, OH, OW).
    ///
    /// Parameters as for `maxPool2d`. The divisor is the number of taps inside the input, or with
    /// `countIncludePad` the number inside the padded extent (taps that ceil mode adds past the end
    /// padding are never counted, as in PyTorch). A window with no tap to count yields 0.
    public func averagePool2d(kernelShape: [Int], strides: [Int] = [1, 1], pads: [Int] = [0, 0, 0, 0],
                              dilations: [Int] = [1, 1], ceilMode: Bool = false, countIncludePad: Bool = false) throws -> Tensor {
        let op = "AveragePool"
        let windows = try PoolWindows2D(input: self, kernelShape: kernelShape, strides: strides, pads: pads,
                                        dilations: dilations, ceilMode: ceilMode, op: op)
        switch dtype {
        case .float32: return averagePool2dRecorded(Float.self, x: self, windows: windows, countIncludePad: countIncludePad, op: op)
        case .float64: return averagePool2dRecorded(Double.self, x: self, windows: windows, countIncludePad: countIncludePad, op: op)
        default: throw TensorError.unsupportedDType(op: op, dtype: dtype)
        }
    }

    /// Global average pooling (ONNX GlobalAveragePool): (N, C, S₁, …, Sₖ) → (N, C, 1, …, 1), k ≥ 1.
    /// Sums accumulate in Float64.
    public func globalAveragePool() throws -> Tensor {
        let op = "GlobalAveragePool"
        let (planes, planeSize) = try globalPoolLayout(op: op)
        switch dtype {
        case .float32: return globalAveragePoolRecorded(Float.self, x: self, planes: planes, planeSize: planeSize, op: op)
        case .float64: return globalAveragePoolRecorded(Double.self, x: self, planes: planes, planeSize: planeSize, op: op)
        default: throw TensorError.unsupportedDType(op: op, dtype: dtype)
        }
    }

    /// Global max pooling (ONNX GlobalMaxPool): (N, C, S₁, …, Sₖ) → (N, C, 1, …, 1), k ≥ 1.
    /// NaN propagates; the gradient goes to the first maximum of each plane.
    public func globalMaxPool() throws -> Tensor {
        let op = "GlobalMaxPool"
        let (planes, planeSize) = try globalPoolLayout(op: op)
        switch dtype {
        case .float32: return globalMaxPoolRecorded(Float.self, x: self, planes: planes, planeSize: planeSize, op: op)
        case .float64: return globalMaxPoolRecorded(Double.self, x: self, planes: planes, planeSize: planeSize, op: op)
        default: throw TensorError.unsupportedDType(op: op, dtype: dtype)
        }
    }

    private func globalPoolLayout(op: String) throws -> (planes: Int, planeSize: Int) {
        guard rank >= 3 else {
            throw TensorError.invalidArgument(op: op, detail: "expects (N, C, S…) with at least one spatial axis, got shape \(shape)")
        }
        let planeSize = Shape.count(Array(shape[2...]))
        guard planeSize > 0 else {
            throw TensorError.invalidArgument(op: op, detail: "spatial size of input \(shape) is empty")
        }
        return (shape[0] * shape[1], planeSize)
    }
}

private func checkPoolGradient(_ g: Tensor, shape: [Int], dtype: DType, op: String) throws {
    guard g.dtype == dtype, g.shape == shape else {
        throw TensorError.shapeMismatch(op: "\(op) backward", detail: "gradient \(g.dtype)\(g.shape) does not match output \(dtype)\(shape)")
    }
}

// MARK: Max pooling

private func maxPool2dRecorded<T: FloatElement>(_: T.Type, x: Tensor, windows: PoolWindows2D, op: String) -> Tensor {
    let outShape = [x.shape[0], x.shape[1], windows.outputHeight, windows.outputWidth]
    var y = Tensor(uninitialized: outShape, dtype: x.dtype)
    let outputCount = windows.planes * windows.outputPlane
    let keepIndices = GradMode.isEnabled && x.requiresGrad
    var indices = [Int]()
    x.withElements(T.self) { xs in
        y.withMutableElements(T.self) { ys in
            if keepIndices {
                indices = [Int](unsafeUninitializedCapacity: outputCount) { buffer, initialized in
                    maxPool2dForward(x: xs, y: ys, indices: buffer.baseAddress, windows: windows)
                    initialized = outputCount
                }
            } else {
                maxPool2dForward(x: xs, y: ys, indices: nil, windows: windows)
            }
        }
    }
    guard keepIndices else { return y }
    let inShape = x.shape, dtype = x.dtype, savedIndices = indices
    return y.recorded(op, inputs: [x]) { g in
        try checkPoolGradient(g, shape: outShape, dtype: dtype, op: op)
        var gx = Tensor(zeros: inShape, dtype: dtype)
        g.withElements(T.self) { gs in
            gx.withMutableElements(T.self) { gxs in
                savedIndices.withUnsafeBufferPointer { ind in
                    guard let gb = gs.baseAddress, let ob = gxs.baseAddress, let ib = ind.baseAddress else { return }
                    let inPlane = windows.inputPlane, outPlane = windows.outputPlane
                    Parallel.forRange(windows.planes, grain: max(1, 16384 / max(1, outPlane))) { range in
                        for p in range {
                            let gp = gb + p * outPlane, ip = ib + p * outPlane, dst = ob + p * inPlane
                            for o in 0..<outPlane where ip[o] >= 0 { dst[ip[o]] += gp[o] }
                        }
                    }
                }
            }
        }
        return [gx]
    }
}

/// Writes the window maxima and, when `indices` is given, the in-plane index (h·W + w) of each
/// maximum (−1 for a window without input cells).
private func maxPool2dForward<T: FloatElement>(x: UnsafeBufferPointer<T>, y: UnsafeMutableBufferPointer<T>,
                                               indices: UnsafeMutablePointer<Int>?, windows: PoolWindows2D) {
    guard let xb = x.baseAddress, let yb = y.baseAddress else { return }
    let w = windows
    let inPlane = w.inputPlane, outPlane = w.outputPlane, width = w.inputWidth
    let dh = w.dilationHeight, dw = w.dilationWidth
    w.rowStart.withUnsafeBufferPointer { rowStart in
    w.rowTapBegin.withUnsafeBufferPointer { rowBegin in
    w.rowTapEnd.withUnsafeBufferPointer { rowEnd in
    w.columnStart.withUnsafeBufferPointer { columnStart in
    w.columnTapBegin.withUnsafeBufferPointer { columnBegin in
    w.columnTapEnd.withUnsafeBufferPointer { columnEnd in
        let taps = max(1, (w.rowTapEnd.max() ?? 1) * (w.columnTapEnd.max() ?? 1))
        Parallel.forRange(w.planes, grain: w.grain(tapsPerOutput: taps)) { range in
            for p in range {
                let plane = xb + p * inPlane
                // NaN is rare: one vectorisable scan picks the plane's loop, so the common loop is a
                // plain compare-and-select. (x − x is NaN for NaN and ±∞; ∞ only costs the slow loop.)
                var probe: T = 0
                for i in 0..<inPlane { probe += plane[i] - plane[i] }
                let sawNaN = probe.isNaN
                var o = p * outPlane
                for oh in 0..<w.outputHeight {
                    let hs = rowStart[oh], khBegin = rowBegin[oh], khEnd = rowEnd[oh]
                    for ow in 0..<w.outputWidth {
                        let ws = columnStart[ow], kwBegin = columnBegin[ow], kwEnd = columnEnd[ow]
                        var best = -T.infinity
                        // The first tap wins when every tap is −∞, so it still gets the gradient.
                        var arg = khBegin < khEnd && kwBegin < kwEnd ? (hs + khBegin * dh) * width + ws + kwBegin * dw : -1
                        if sawNaN {
                            for kh in khBegin..<khEnd {
                                let row = (hs + kh * dh) * width + ws
                                for kw in kwBegin..<kwEnd {
                                    let index = row + kw * dw
                                    let v = plane[index]
                                    if v > best || (v.isNaN && !best.isNaN) { best = v; arg = index }
                                }
                            }
                        } else if let indices {
                            for kh in khBegin..<khEnd {
                                let row = (hs + kh * dh) * width + ws
                                for kw in kwBegin..<kwEnd {
                                    let index = row + kw * dw
                                    let v = plane[index]
                                    if v > best { best = v; arg = index }
                                }
                            }
                            indices[o] = arg
                        } else {
                            for kh in khBegin..<khEnd {
                                let row = plane + (hs + kh * dh) * width + ws
                                for kw in kwBegin..<kwEnd {
                                    let v = row[kw * dw]
                                    best = v > best ? v : best
                                }
                            }
                        }
                        yb[o] = best
                        if sawNaN { indices?[o] = arg }
                        o += 1
                    }
                }
            }
        }
    }}}}}}
}

// MARK: Average pooling

private func averagePool2dRecorded<T: FloatElement>(_: T.Type, x: Tensor, windows: PoolWindows2D, countIncludePad: Bool, op: String) -> Tensor {
    let outShape = [x.shape[0], x.shape[1], windows.outputHeight, windows.outputWidth]
    // 1/divisor per output cell of a plane (the same for every plane).
    var reciprocals = [Double](repeating: 0, count: windows.outputPlane)
    for oh in 0..<windows.outputHeight {
        for ow in 0..<windows.outputWidth {
            let divisor = countIncludePad
                ? windows.rowTapsWithPad[oh] * windows.columnTapsWithPad[ow]
                : (windows.rowTapEnd[oh] - windows.rowTapBegin[oh]) * (windows.columnTapEnd[ow] - windows.columnTapBegin[ow])
            reciprocals[oh * windows.outputWidth + ow] = divisor > 0 ? 1 / Double(divisor) : 0
        }
    }
    let scales = reciprocals.map { T($0) }
    var y = Tensor(uninitialized: outShape, dtype: x.dtype)
    x.withElements(T.self) { xs in
        y.withMutableElements(T.self) { ys in
            averagePool2dForward(x: xs, y: ys, scales: scales, windows: windows)
        }
    }
    let inShape = x.shape, dtype = x.dtype
    return y.recorded(op, inputs: [x]) { g in
        try checkPoolGradient(g, shape: outShape, dtype: dtype, op: op)
        var gx = Tensor(zeros: inShape, dtype: dtype)
        g.withElements(T.self) { gs in
            gx.withMutableElements(T.self) { gxs in
                averagePool2dBackward(g: gs, gx: gxs, scales: scales, windows: windows)
            }
        }
        return [gx]
    }
}

private func averagePool2dForward<T: FloatElement>(x: UnsafeBufferPointer<T>, y: UnsafeMutableBufferPointer<T>,
                                                   scales: [T], windows: PoolWindows2D) {
    guard let xb = x.baseAddress, let yb = y.baseAddress else { return }
    let w = windows
    let inPlane = w.inputPlane, outPlane = w.outputPlane, width = w.inputWidth
    let dh = w.dilationHeight, dw = w.dilationWidth
    scales.withUnsafeBufferPointer { scale in
    w.rowStart.withUnsafeBufferPointer { rowStart in
    w.rowTapBegin.withUnsafeBufferPointer { rowBegin in
    w.rowTapEnd.withUnsafeBufferPointer { rowEnd in
    w.columnStart.withUnsafeBufferPointer { columnStart in
    w.columnTapBegin.withUnsafeBufferPointer { columnBegin in
    w.columnTapEnd.withUnsafeBufferPointer { columnEnd in
        let taps = max(1, (w.rowTapEnd.max() ?? 1) * (w.columnTapEnd.max() ?? 1))
        Parallel.forRange(w.planes, grain: w.grain(tapsPerOutput: taps)) { range in
            for p in range {
                let plane = xb + p * inPlane
                let out = yb + p * outPlane
                var o = 0
                for oh in 0..<w.outputHeight {
                    let hs = rowStart[oh], khBegin = rowBegin[oh], khEnd = rowEnd[oh]
                    for ow in 0..<w.outputWidth {
                        let ws = columnStart[ow], kwBegin = columnBegin[ow], kwEnd = columnEnd[ow]
                        var sum: T = 0
                        for kh in khBegin..<khEnd {
                            let row = plane + (hs + kh * dh) * width + ws
                            for kw in kwBegin..<kwEnd { sum += row[kw * dw] }
                        }
                        out[o] = sum * scale[o]
                        o += 1
                    }
                }
            }
        }
    }}}}}}}
}

private func averagePool2dBackward<T: FloatElement>(g: UnsafeBufferPointer<T>, gx: UnsafeMutableBufferPointer<T>,
                                                    scales: [T], windows: PoolWindows2D) {
    guard let gb = g.baseAddress, let ob = gx.baseAddress else { return }
    let w = windows
    let inPlane = w.inputPlane, outPlane = w.outputPlane, width = w.inputWidth
    let dh = w.dilationHeight, dw = w.dilationWidth
    scales.withUnsafeBufferPointer { scale in
    w.rowStart.withUnsafeBufferPointer { rowStart in
    w.rowTapBegin.withUnsafeBufferPointer { rowBegin in
    w.rowTapEnd.withUnsafeBufferPointer { rowEnd in
    w.columnStart.withUnsafeBufferPointer { columnStart in
    w.columnTapBegin.withUnsafeBufferPointer { columnBegin in
    w.columnTapEnd.withUnsafeBufferPointer { columnEnd in
        let taps = max(1, (w.rowTapEnd.max() ?? 1) * (w.columnTapEnd.max() ?? 1))
        Parallel.forRange(w.planes, grain: w.grain(tapsPerOutput: taps)) { range in
            for p in range {
                let plane = ob + p * inPlane
                let grad = gb + p * outPlane
                var o = 0
                for oh in 0..<w.outputHeight {
                    let hs = rowStart[oh], khBegin = rowBegin[oh], khEnd = rowEnd[oh]
                    for ow in 0..<w.outputWidth {
                        let ws = columnStart[ow], kwBegin = columnBegin[ow], kwEnd = columnEnd[ow]
                        let share = grad[o] * scale[o]
                        for kh in khBegin..<khEnd {
                            let row = plane + (hs + kh * dh) * width + ws
                            for kw in kwBegin..<kwEnd { row[kw * dw] += share }
                        }
                        o += 1
                    }
                }
            }
        }
    }}}}}}}
}

// MARK: Global pooling

private func globalOutputShape(_ shape: [Int]) -> [Int] {
    [shape[0], shape[1]] + [Int](repeating: 1, count: shape.count - 2)
}

private func globalAveragePoolRecorded<T: FloatElement>(_: T.Type, x: Tensor, planes: Int, planeSize: Int, op: String) -> Tensor {
    let outShape = globalOutputShape(x.shape)
    var y = Tensor(uninitialized: outShape, dtype: x.dtype)
    x.withElements(T.self) { xs in
        y.withMutableElements(T.self) { ys in
            guard let xb = xs.baseAddress, let yb = ys.baseAddress else { return }
            Parallel.forRange(planes, grain: max(1, 16384 / planeSize)) { range in
                for p in range {
                    let plane = xb + p * planeSize
                    var sum = 0.0
                    for i in 0..<planeSize { sum += Double(plane[i]) }
                    yb[p] = T(sum / Double(planeSize))
                }
            }
        }
    }
    let inShape = x.shape, dtype = x.dtype
    return y.recorded(op, inputs: [x]) { g in
        try checkPoolGradient(g, shape: outShape, dtype: dtype, op: op)
        var gx = Tensor(uninitialized: inShape, dtype: dtype)
        g.withElements(T.self) { gs in
            gx.withMutableElements(T.self) { gxs in
                guard let gb = gs.baseAddress, let ob = gxs.baseAddress else { return }
                let scale = 1 / Double(planeSize)
                Parallel.forRange(planes, grain: max(1, 16384 / planeSize)) { range in
                    for p in range {
                        (ob + p * planeSize).update(repeating: T(Double(gb[p]) * scale), count: planeSize)
                    }
                }
            }
        }
        return [gx]
    }
}

private func globalMaxPoolRecorded<T: FloatElement>(_: T.Type, x: Tensor, planes: Int, planeSize: Int, op: String) -> Tensor {
    let outShape = globalOutputShape(x.shape)
    var y = Tensor(uninitialized: outShape, dtype: x.dtype)
    var indices = [Int](repeating: 0, count: planes)
    x.withElements(T.self) { xs in
        y.withMutableElements(T.self) { ys in
            indices.withUnsafeMutableBufferPointer { ind in
                guard let xb = xs.baseAddress, let yb = ys.baseAddress, let ib = ind.baseAddress else { return }
                Parallel.forRange(planes, grain: max(1, 16384 / planeSize)) { range in
                    for p in range {
                        let plane = xb + p * planeSize
                        var best = plane[0]
                        var arg = 0
                        if !best.isNaN {
                            for i in 1..<planeSize {
                                let v = plane[i]
                                if v > best || v.isNaN {
                                    best = v; arg = i
                                    if v.isNaN { break }
                                }
                            }
                        }
                        yb[p] = best
                        ib[p] = arg
                    }
                }
            }
        }
    }
    let inShape = x.shape, dtype = x.dtype, savedIndices = indices
    return y.recorded(op, inputs: [x]) { g in
        try checkPoolGradient(g, shape: outShape, dtype: dtype, op: op)
        var gx = Tensor(zeros: inShape, dtype: dtype)
        g.withElements(T.self) { gs in
            gx.withMutableElements(T.self) { gxs in
                guard let gb = gs.baseAddress, let ob = gxs.baseAddress else { return }
                for p in 0..<planes { ob[p * planeSize + savedIndices[p]] = gb[p] }
            }
        }
        return [gx]
    }
}
