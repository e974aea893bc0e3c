/// Resize: nearest and (multi)linear resampling (ONNX Resize, opset 11+ semantics).

/// Interpolation of `resized` (ONNX Resize `mode`; cubic is not implemented).
public enum ResizeMode: String, Sendable, CaseIterable {
    /// Copy the nearest input cell (any dtype).
    case nearest
    /// Linear along every resized axis: bilinear for the H, W axes of NCHW (Float32/Float64).
    case linear
}

/// How an output coordinate maps back to an input coordinate (ONNX `coordinate_transformation_mode`).
/// With `scale` the given scale (or out/in when sizes are given), `n` the input length and
/// `m` the output length:
public enum CoordinateTransformation: String, Sendable, CaseIterable {
    /// (x + 0.5) / scale − 0.5
    case halfPixel = "half_pixel"
    /// half_pixel shifted so the output stays centred when m ≠ n·scale (opset 19).
    case halfPixelSymmetric = "half_pixel_symmetric"
    /// half_pixel, but 0 when m = 1.
    case pytorchHalfPixel = "pytorch_half_pixel"
    /// x · (n − 1) / (m − 1), 0 when m = 1.
    case alignCorners = "align_corners"
    /// x / scale
    case asymmetric
}

/// How nearest mode turns a fractional input coordinate into an index (ONNX `nearest_mode`).
public enum NearestRounding: String, Sendable, CaseIterable {
    /// Round, halves down.
    case roundPreferFloor = "round_prefer_floor"
    /// Round, halves up.
    case roundPreferCeil = "round_prefer_ceil"
    case floor
    case ceil
}

extension Tensor {
    /// ONNX Resize by `scales` (one positive factor per axis): output length ⌊n · scale⌋ on every
    /// axis, e.g. [N, C, H, W] with [1, 1, 2, 2] gives [N, C, 2H, 2W]. Coordinates use the given
    /// scale, as ONNX says. Nearest works for every dtype; linear for Float32/Float64. Source
    /// coordinates outside the input take the border cells. The gradient (float dtypes) adds each
    /// output cell's gradient into its source cells with the interpolation weights.
    public func resized(scales: [Double], mode: ResizeMode = .nearest,
                        coordinateTransformation: CoordinateTransformation = .halfPixel,
                        nearestRounding: NearestRounding = .roundPreferFloor) throws -> Tensor {
        guard scales.count == rank else {
            throw TensorError.invalidArgument(op: "resize", detail: "\(scales.count) scales for a tensor of rank \(rank) (shape \(shape)); give one per axis")
        }
        var sizes: [Int] = []
        for (a, scale) in scales.enumerated() {
            guard scale > 0, scale.isFinite else {
                throw TensorError.invalidArgument(op: "resize", detail: "scale \(scale) of axis \(a) must be positive and finite")
            }
            let length = (Double(shape[a]) * scale).rounded(.down)
            guard length <= Double(1 << 40) else {
                throw TensorError.invalidArgument(op: "resize", detail: "scale \(scale) makes axis \(a) of length \(shape[a]) impossibly long")
            }
            sizes.append(Int(length))
        }
        return try resizedCore(sizes: sizes, scales: scales, mode: mode, transformation: coordinateTransformation, rounding: nearestRounding)
    }

    /// ONNX Resize to explicit output `sizes` (one per axis); the scale of an axis is
    /// sizes[a] / shape[a]. See `resized(scales:…)`.
    public func resized(sizes: [Int], mode: ResizeMode = .nearest,
                        coordinateTransformation: CoordinateTransformation = .halfPixel,
                        nearestRounding: NearestRounding = .roundPreferFloor) throws -> Tensor {
        guard sizes.count == rank, sizes.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: "resize", detail: "sizes \(sizes) must hold one non-negative length per axis of shape \(shape)")
        }
        let scales = (0..<rank).map { shape[$0] == 0 ? 1 : Double(sizes[$0]) / Double(shape[$0]) }
        return try resizedCore(sizes: sizes, scales: scales, mode: mode, transformation: coordinateTransformation, rounding: nearestRounding)
    }

    func resizedCore(sizes: [Int], scales: [Double], mode: ResizeMode,
                     transformation: CoordinateTransformation, rounding: NearestRounding) throws -> Tensor {
        _ = try Shape.checkedCount(sizes, dtype: dtype, op: "resize")
        for a in 0..<rank where shape[a] == 0 && sizes[a] > 0 {
            throw TensorError.invalidArgument(op: "resize", detail: "axis \(a) is empty and cannot be resized to \(sizes[a])")
        }
        let resizedAxes = (0..<rank).filter { !(sizes[$0] == shape[$0] && scales[$0] == 1) }
        switch mode {
        case .nearest:
            var maps = AxisMaps(identity: shape)
            for a in resizedAxes {
                let n = shape[a], m = sizes[a], scale = scales[a]
                maps.maps[a] = (0..<m).map { j in
                    let x = Tensor.resizeSourceCoordinate(j, transformation, scale: scale, inputLength: n, outputLength: m)
                    let rounded = Tensor.nearestIndex(x, rounding)
                    return Int(Swift.min(Swift.max(rounded, 0), Double(n - 1)))
                }
            }
            let out = Tensor.gatheringAxes(self, maps)
            guard dtype.isFloatingPoint else { return out }
            return out.recorded("Resize", inputs: [self]) { g in [try Tensor.scatterAddingAxes(g, maps, op: "Resize")] }
        case .linear:
            guard dtype.isFloatingCompute else {
                throw TensorError.unsupportedDType(op: "resize (linear)", dtype: dtype)
            }
            var passes: [LinearResizePass] = []
            var current = shape
            for a in resizedAxes {
                passes.append(LinearResizePass(axis: a, shape: current, outputLength: sizes[a], scale: scales[a], transformation: transformation))
                current[a] = sizes[a]
            }
            if passes.isEmpty { return self }
            var out = self
            for pass in passes { out = pass.forward(out) }
            let outShape = current
            return out.detached().recorded("Resize", inputs: [self]) { g in
                guard g.shape == outShape else {
                    throw TensorError.shapeMismatch(op: "Resize gradient", detail: "gradient shape \(g.shape) differs from output shape \(outShape)")
                }
                var grad = g
                for pass in passes.reversed() { grad = try pass.backward(grad) }
                return [grad]
            }
        }
    }

    /// Input coordinate of output position `x` along one axis (see `CoordinateTransformation`).
    /// Like onnxruntime (and the spec's text), m is the integer output length; the ONNX
    /// reference evaluator uses n·scale instead, which differs only for align_corners and
    /// pytorch_half_pixel when n·scale is fractional.
    static func resizeSourceCoordinate(_ x: Int, _ transformation: CoordinateTransformation, scale: Double,
                                       inputLength n: Int, outputLength m: Int) -> Double {
        let position = Double(x)
        switch transformation {
        case .halfPixel:
            return (position + 0.5) / scale - 0.5
        case .halfPixelSymmetric:
            let adjustment = Double(m) / (scale * Double(n))
            let offset = Double(n) / 2 * (1 - adjustment)
            return offset + (position + 0.5) / scale - 0.5
        case .pytorchHalfPixel:
            return m > 1 ? (position + 0.5) / scale - 0.5 : 0
        case .alignCorners:
            return m == 1 ? 0 : position * Double(n - 1) / Double(m - 1)
        case .asymmetric:
            return position / scale
        }
    }

    /// The rounding of nearest mode; an integral coordinate is itself.
    static func nearestIndex(_ x: Double, _ rounding: NearestRounding) -> Double {
        let low = x.rounded(.down)
        if x == low { return x }
        let fraction = x - low
        switch rounding {
        case .roundPreferFloor: return fraction <= 0.5 ? low : low + 1
        case .roundPreferCeil: return fraction < 0.5 ? low : low + 1
        case .floor: return low
        case .ceil: return low + 1
        }
    }
}

/// One 1-D linear interpolation along `axis`; multilinear resize applies one per resized axis
/// (it is separable), and its gradient applies the adjoints in reverse order.
struct LinearResizePass: Sendable {
    let inputShape: [Int]
    let outputShape: [Int]
    let outer: Int, inner: Int, inputLength: Int, outputLength: Int
    /// Clamped source indices and weights of every output position.
    let low: [Int], high: [Int]
    let lowWeight: [Double], highWeight: [Double]
    /// The transpose of the (low, high) table, so the gradient is a gather that accumulates in
    /// registers instead of a scatter whose neighbouring outputs add into the same cells:
    /// input position i is read by outputs adjointOutput[adjointStart[i] ..< adjointStart[i + 1]]
    /// with adjointWeight.
    let adjointStart: [Int], adjointOutput: [Int], adjointWeight: [Double]

    init(axis: Int, shape: [Int], outputLength m: Int, scale: Double, transformation: CoordinateTransformation) {
        let n = shape[axis]
        inputShape = shape
        var outShape = shape
        outShape[axis] = m
        outputShape = outShape
        outer = Shape.count(Array(shape[..<axis]))
        inner = Shape.count(Array(shape[(axis + 1)...]))
        inputLength = n
        outputLength = m
        var low: [Int] = [], high: [Int] = [], lowWeight: [Double] = [], highWeight: [Double] = []
        for j in 0..<m {
            // Outside [0, n-1] both neighbours clamp to the border cell, as edge padding does.
            let x = Swift.min(Swift.max(Tensor.resizeSourceCoordinate(j, transformation, scale: scale, inputLength: n, outputLength: m), -1), Double(n))
            let floor = x.rounded(.down)
            let i0 = Int(floor)
            let t = x - floor
            low.append(Swift.min(Swift.max(i0, 0), n - 1))
            high.append(Swift.min(Swift.max(i0 + 1, 0), n - 1))
            lowWeight.append(1 - t)
            highWeight.append(t)
        }
        self.low = low; self.high = high; self.lowWeight = lowWeight; self.highWeight = highWeight
        var start = [Int](repeating: 0, count: n + 1)
        for j in 0..<m {
            start[low[j] + 1] += 1
            start[high[j] + 1] += 1
        }
        for i in 0..<n { start[i + 1] += start[i] }
        var cursor = start
        var output = [Int](repeating: 0, count: 2 * m), weight = [Double](repeating: 0, count: 2 * m)
        for j in 0..<m {
            output[cursor[low[j]]] = j; weight[cursor[low[j]]] = lowWeight[j]; cursor[low[j]] += 1
            output[cursor[high[j]]] = j; weight[cursor[high[j]]] = highWeight[j]; cursor[high[j]] += 1
        }
        adjointStart = start; adjointOutput = output; adjointWeight = weight
    }

    func forward(_ x: Tensor) -> Tensor {
        x.dtype == .float32 ? forward(x, Float.self) : forward(x, Double.self)
    }

    func backward(_ g: Tensor) throws -> Tensor {
        switch g.dtype {
        case .float32: return backward(g, Float.self)
        case .float64: return backward(g, Double.self)
        default: throw TensorError.unsupportedDType(op: "Resize gradient", dtype: g.dtype)
        }
    }

    private func forward<T: FloatElement>(_ x: Tensor, _: T.Type) -> Tensor {
        let source = x.contiguous()
        let out = Tensor(uninitialized: outputShape, dtype: x.dtype)
        let s = source.elementPointer(T.self), d = out.storage.pointer(as: T.self)
        let w0 = lowWeight.map { T($0) }, w1 = highWeight.map { T($0) }
        let low = self.low, high = self.high
        let n = inputLength, m = outputLength, inner = self.inner
        if inner == 1 {
            // Raw table pointers: this loop does one multiply-add pair per element.
            low.withUnsafeBufferPointer { low in high.withUnsafeBufferPointer { high in
                w0.withUnsafeBufferPointer { w0 in w1.withUnsafeBufferPointer { w1 in
                    Parallel.forRange(outer, grain: Swift.max(1, ElementMoves.grain / Swift.max(m, 1))) { range in
                        for o in range {
                            let sp = s + o * n, dp = d + o * m
                            for j in 0..<m { dp[j] = w0[j] * sp[low[j]] + w1[j] * sp[high[j]] }
                        }
                    }
                } }
            } }
        } else {
            Parallel.forRange(outer * m, grain: Swift.max(1, ElementMoves.grain / inner)) { range in
                for unit in range {
                    let o = unit / m, j = unit % m
                    let dp = d + unit * inner
                    let s0 = s + (o * n + low[j]) * inner, s1 = s + (o * n + high[j]) * inner
                    let a = w0[j], b = w1[j]
                    for k in 0..<inner { dp[k] = a * s0[k] + b * s1[k] }
                }
            }
        }
        return out
    }

    /// The adjoint pass: every input cell sums the weighted gradients of the outputs that read it,
    /// in a fixed order, each cell written by one thread only.
    private func backward<T: FloatElement>(_ g: Tensor, _: T.Type) -> Tensor {
        let source = g.contiguous()
        let out = Tensor(uninitialized: inputShape, dtype: g.dtype)
        let gp = source.elementPointer(T.self), d = out.storage.pointer(as: T.self)
        let weight = adjointWeight.map { T($0) }
        let start = adjointStart, output = adjointOutput
        let n = inputLength, m = outputLength, inner = self.inner
        if inner == 1 {
            start.withUnsafeBufferPointer { start in output.withUnsafeBufferPointer { output in
                weight.withUnsafeBufferPointer { weight in
                    Parallel.forRange(outer, grain: Swift.max(1, ElementMoves.grain / Swift.max(2 * m, 1))) { range in
                        for o in range {
                            let u = gp + o * m, t = d + o * n
                            for i in 0..<n {
                                var sum: T = 0
                                for e in start[i]..<start[i + 1] { sum += weight[e] * u[output[e]] }
                                t[i] = sum
                            }
                        }
                    }
                }
            } }
        } else {
            Parallel.forRange(outer * n, grain: Swift.max(1, ElementMoves.grain / inner)) { range in
                for unit in range {
                    let o = unit / n, i = unit % n
                    let t = d + unit * inner
                    t.update(repeating: 0, count: inner)
                    for e in start[i]..<start[i + 1] {
                        let u = gp + (o * m + output[e]) * inner
                        let w = weight[e]
                        for k in 0..<inner { t[k] += w * u[k] }
                    }
                }
            }
        }
        return out
    }
}
