/// Batch, instance, group and layer normalization (ONNX BatchNormalization, InstanceNormalization,
/// GroupNormalization (opset 21: per-channel scale), LayerNormalization), forward and backward.
///
/// Statistics and gradient sums accumulate in Float64 whatever the dtype (float32 batch-norm
/// training sums each plane in float lanes first, shifted by the channel's first value, then in
/// Float64); variances are computed in two passes (mean first), or from shifted sums, so large
/// means do not cancel. Every parameter tensor must have the
/// input's dtype (Float32 or Float64).
extension Tensor {
    /// Batch normalization with given statistics (inference): (N, C, …) → (N, C, …),
    /// `y = (x − mean) / √(variance + ε) · scale + bias`; `scale`, `bias`, `mean`, `variance` are [C].
    /// Differentiable in all five inputs.
    public func batchNormalization(scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor,
                                   epsilon: Double = 1e-5) throws -> Tensor {
        let op = "BatchNormalization"
        let layout = try channelLayout(op: op)
        try checkEpsilon(epsilon, op: op)
        for (name, t) in [("scale", scale), ("bias", bias), ("mean", mean), ("variance", variance)] {
            try checkChannelParameter(t, name: name, channels: layout.channels, op: op)
        }
        switch dtype {
        case .float32: return batchNormInference(Float.self, x: self, scale: scale, bias: bias, mean: mean, variance: variance, epsilon: epsilon, layout: layout)
        case .float64: return batchNormInference(Double.self, x: self, scale: scale, bias: bias, mean: mean, variance: variance, epsilon: epsilon, layout: layout)
        default: throw TensorError.unsupportedDType(op: op, dtype: dtype)
        }
    }

    /// Batch normalization with batch statistics (training): (N, C, …) → (N, C, …).
    ///
    /// Normalises with the per-channel mean and biased variance over N and the spatial axes, and
    /// returns the updated running statistics (ONNX convention):
    /// `running = momentum · running + (1 − momentum) · batch`, where the batch variance is the
    /// unbiased one (× M/(M−1), M = N·spatial) when `unbiasedRunningVariance`, as PyTorch does.
    /// `scale`, `bias`, `runningMean`, `runningVariance` are [C]. The output is differentiable in
    /// x, scale and bias (through the batch statistics); the running statistics are detached.
    public func batchNormalizationTraining(scale: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor,
                                           momentum: Double = 0.9, epsilon: Double = 1e-5,
                                           unbiasedRunningVariance: Bool = true) throws
        -> (output: Tensor, runningMean: Tensor, runningVariance: Tensor) {
        let op = "BatchNormalization(training)"
        let layout = try channelLayout(op: op)
        try checkEpsilon(epsilon, op: op)
        guard momentum.isFinite, momentum >= 0, momentum <= 1 else {
            throw TensorError.invalidArgument(op: op, detail: "momentum must lie in [0, 1], got \(momentum)")
        }
        for (name, t) in [("scale", scale), ("bias", bias), ("runningMean", runningMean), ("runningVariance", runningVariance)] {
            try checkChannelParameter(t, name: name, channels: layout.channels, op: op)
        }
        let perChannel = layout.batch * layout.spatial
        guard perChannel > (unbiasedRunningVariance ? 1 : 0) else {
            throw TensorError.invalidArgument(op: op, detail: "needs more than one value per channel to compute batch statistics, got input shape \(shape)")
        }
        switch dtype {
        case .float32: return try batchNormTrainingFloat32(x: self, scale: scale, bias: bias, runningMean: runningMean, runningVariance: runningVariance,
                                                           momentum: momentum, epsilon: epsilon, unbiased: unbiasedRunningVariance, layout: layout)
        case .float64: return try batchNormTraining(Double.self, x: self, scale: scale, bias: bias, runningMean: runningMean, runningVariance: runningVariance,
                                                    momentum: momentum, epsilon: epsilon, unbiased: unbiasedRunningVariance, layout: layout)
        default: throw TensorError.unsupportedDType(op: op, dtype: dtype)
        }
    }

    /// Instance normalization: (N, C, …) → (N, C, …), each (n, c) plane normalised over its spatial
    /// axes, then `· scale[c] + bias[c]` with `scale`, `bias` of shape [C].
    public func instanceNormalization(scale: Tensor, bias: Tensor, epsilon: Double = 1e-5) throws -> Tensor {
        let op = "InstanceNormalization"
        let layout = try channelLayout(op: op)
        try checkEpsilon(epsilon, op: op)
        try checkChannelParameter(scale, name: "scale", channels: layout.channels, op: op)
        try checkChannelParameter(bias, name: "bias", channels: layout.channels, op: op)
        let segments = SegmentLayout(segments: layout.batch * layout.channels, length: layout.spatial,
                                     blocks: 1, blockLength: layout.spatial, cycle: layout.channels)
        return try segmentNormalization(x: self, scale: scale, bias: bias, affineMap: nil, segments: segments, epsilon: epsilon, op: op)
    }

    /// Group normalization: (N, C, …) → (N, C, …); the C channels form `groups` consecutive groups
    /// of C/groups channels, each (n, group) normalised over its channels and spatial axes, then
    /// `· scale[c] + bias[c]` with `scale`, `bias` of shape [C] (ONNX opset 21).
    public func groupNormalization(groups: Int, scale: Tensor, bias: Tensor, epsilon: Double = 1e-5) throws -> Tensor {
        let op = "GroupNormalization"
        let layout = try channelLayout(op: op)
        try checkEpsilon(epsilon, op: op)
        guard groups > 0, layout.channels % groups == 0 else {
            throw TensorError.invalidArgument(op: op, detail: "groups \(groups) must be positive and divide the channel count \(layout.channels) of input \(shape)")
        }
        try checkChannelParameter(scale, name: "scale", channels: layout.channels, op: op)
        try checkChannelParameter(bias, name: "bias", channels: layout.channels, op: op)
        let perGroup = layout.channels / groups
        let segments = SegmentLayout(segments: layout.batch * groups, length: perGroup * layout.spatial,
                                     blocks: perGroup, blockLength: layout.spatial, cycle: groups)
        return try segmentNormalization(x: self, scale: scale, bias: bias, affineMap: nil, segments: segments, epsilon: epsilon, op: op)
    }

    /// Layer normalization (ONNX LayerNormalization): normalises over the trailing axes
    /// `axis..<rank` (shape D₁…Dₖ, the normalised shape), then `· scale + bias`, where `scale` and
    /// the optional `bias` broadcast to the normalised shape (usually exactly D₁…Dₖ).
    /// Any rank ≥ 1; the output has the input's shape.
    public func layerNormalization(axis: Int = -1, scale: Tensor, bias: Tensor? = nil, epsilon: Double = 1e-5) throws -> Tensor {
        let op = "LayerNormalization"
        guard rank >= 1 else {
            throw TensorError.invalidArgument(op: op, detail: "needs a tensor of rank ≥ 1, got a scalar")
        }
        guard dtype.isFloatingCompute else { throw TensorError.unsupportedDType(op: op, dtype: dtype) }
        try checkEpsilon(epsilon, op: op)
        let a = try Shape.normalizeAxis(axis, rank: rank, op: op)
        let normalized = Array(shape[a...])
        let scaleMap = try broadcastMap(from: scale.shape, to: normalized, name: "scale", op: op)
        guard scale.dtype == dtype else { throw TensorError.dtypeMismatch(op: "\(op) scale", expected: dtype, got: scale.dtype) }
        var biasMap: [Int]? = nil
        if let bias {
            biasMap = try broadcastMap(from: bias.shape, to: normalized, name: "bias", op: op)
            guard bias.dtype == dtype else { throw TensorError.dtypeMismatch(op: "\(op) bias", expected: dtype, got: bias.dtype) }
        }
        let length = Shape.count(normalized)
        let segments = SegmentLayout(segments: Shape.count(Array(shape[..<a])), length: length,
                                     blocks: length, blockLength: 1, cycle: 1)
        return try segmentNormalization(x: self, scale: scale, bias: bias,
                                        affineMap: AffineMap(scale: scaleMap, bias: biasMap), segments: segments, epsilon: epsilon, op: op)
    }

    private func channelLayout(op: String) throws -> ChannelLayout {
        guard rank >= 2 else {
            throw TensorError.invalidArgument(op: op, detail: "expects an (N, C, …) input of rank ≥ 2, got shape \(shape)")
        }
        guard dtype.isFloatingCompute else { throw TensorError.unsupportedDType(op: op, dtype: dtype) }
        return ChannelLayout(batch: shape[0], channels: shape[1], spatial: Shape.count(Array(shape[2...])))
    }

    private func checkChannelParameter(_ t: Tensor, name: String, channels: Int, op: String) throws {
        guard t.shape == [channels] else {
            throw TensorError.shapeMismatch(op: op, detail: "\(name) must have shape [\(channels)] (one value per channel of input \(shape)), got \(t.shape)")
        }
        guard t.dtype == dtype else { throw TensorError.dtypeMismatch(op: "\(op) \(name)", expected: dtype, got: t.dtype) }
    }
}

private func checkEpsilon(_ epsilon: Double, op: String) throws {
    guard epsilon.isFinite, epsilon >= 0 else {
        throw TensorError.invalidArgument(op: op, detail: "epsilon must be finite and non-negative, got \(epsilon)")
    }
}

/// For each element of the normalised shape, the flat index of the broadcast parameter value.
private func broadcastMap(from parameterShape: [Int], to normalized: [Int], name: String, op: String) throws -> [Int] {
    var pshape = parameterShape
    while pshape.count > normalized.count, pshape.first == 1 { pshape.removeFirst() }
    let offset = normalized.count - pshape.count
    guard offset >= 0, zip(pshape, normalized[offset...]).allSatisfy({ $0 == $1 || $0 == 1 }) else {
        throw TensorError.shapeMismatch(op: op, detail: "\(name) of shape \(parameterShape) does not broadcast to the normalised shape \(normalized)")
    }
    // Parameter strides laid over the normalised axes, 0 where the parameter is broadcast.
    let pstrides = Shape.contiguousStrides(pshape)
    var strides = [Int](repeating: 0, count: normalized.count)
    for i in 0..<pshape.count where pshape[i] != 1 { strides[offset + i] = pstrides[i] }
    let total = Shape.count(normalized)
    var map = [Int](repeating: 0, count: total)
    var index = [Int](repeating: 0, count: normalized.count)
    var flat = 0
    for d in 0..<total {
        map[d] = flat
        var axis = normalized.count - 1
        while axis >= 0 {
            index[axis] += 1
            flat += strides[axis]
            if index[axis] < normalized[axis] { break }
            flat -= strides[axis] * normalized[axis]
            index[axis] = 0
            axis -= 1
        }
    }
    return map
}

/// (N, C, spatial) view of an (N, C, …) tensor.
private struct ChannelLayout {
    let batch: Int
    let channels: Int
    let spatial: Int
}

private func checkNormGradient(_ g: Tensor, like x: Tensor, op: String) throws {
    guard g.dtype == x.dtype, g.shape == x.shape else {
        throw TensorError.shapeMismatch(op: "\(op) backward", detail: "gradient \(g.dtype)\(g.shape) does not match output \(x.dtype)\(x.shape)")
    }
}

private func doubleValues<T: FloatElement>(_: T.Type, _ t: Tensor) -> [Double] {
    t.withElements(T.self) { $0.map { Double($0) } }
}

private func tensorFrom<T: FloatElement>(_: T.Type, _ values: [Double], shape: [Int]) throws -> Tensor {
    try Tensor(shape: shape, scalars: values.map { T($0) })
}

// MARK: Batch normalization

private func batchNormInference<T: FloatElement>(_: T.Type, x: Tensor, scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor,
                                                 epsilon: Double, layout: ChannelLayout) -> Tensor {
    let channels = layout.channels, spatial = layout.spatial, planes = layout.batch * layout.channels
    let gamma = doubleValues(T.self, scale), beta = doubleValues(T.self, bias)
    let mu = doubleValues(T.self, mean), sigma2 = doubleValues(T.self, variance)
    let invstd = sigma2.map { 1 / ($0 + epsilon).squareRoot() }
    let means = mu.map { T($0) }
    let factors = (0..<channels).map { T(gamma[$0] * invstd[$0]) }
    let shifts = beta.map { T($0) }
    var y = Tensor(uninitialized: x.shape, dtype: x.dtype)
    x.withElements(T.self) { xs in
        y.withMutableElements(T.self) { ys in
            guard let xb = xs.baseAddress, let yb = ys.baseAddress else { return }
            Parallel.forRange(planes, grain: max(1, 16384 / max(1, spatial))) { range in
                for p in range {
                    let c = p % channels
                    let m = means[c], a = factors[c], b = shifts[c]
                    let src = xb + p * spatial, dst = yb + p * spatial
                    for i in 0..<spatial { dst[i] = (src[i] - m) * a + b }
                }
            }
        }
    }
    return y.recorded("BatchNormalization", inputs: [x, scale, bias, mean, variance]) { g in
        try checkNormGradient(g, like: x, op: "BatchNormalization")
        var gx = Tensor(uninitialized: x.shape, dtype: x.dtype)
        var sumG = [Double](repeating: 0, count: channels), sumGX = [Double](repeating: 0, count: channels)
        x.withElements(T.self) { xs in
            g.withElements(T.self) { gs in
                gx.withMutableElements(T.self) { gxs in
                    sumG.withUnsafeMutableBufferPointer { sg in
                        sumGX.withUnsafeMutableBufferPointer { sgx in
                            guard let xb = xs.baseAddress, let gb = gs.baseAddress, let ob = gxs.baseAddress,
                                  let sgb = sg.baseAddress, let sgxb = sgx.baseAddress else { return }
                            Parallel.forRange(channels, grain: max(1, 16384 / max(1, layout.batch * spatial))) { range in
                                for c in range {
                                    let a = factors[c], m = mu[c]
                                    var s0 = 0.0, s1 = 0.0
                                    for n in 0..<layout.batch {
                                        let base = (n * channels + c) * spatial
                                        for i in 0..<spatial {
                                            let gv = gb[base + i]
                                            ob[base + i] = gv * a
                                            s0 += Double(gv)
                                            s1 += Double(gv) * (Double(xb[base + i]) - m)
                                        }
                                    }
                                    sgb[c] = s0; sgxb[c] = s1
                                }
                            }
                        }
                    }
                }
            }
        }
        let gScale = (0..<channels).map { sumGX[$0] * invstd[$0] }
        let gMean = (0..<channels).map { -gamma[$0] * invstd[$0] * sumG[$0] }
        let gVariance = (0..<channels).map { -0.5 * sumGX[$0] * gamma[$0] * invstd[$0] * invstd[$0] * invstd[$0] }
        return try [gx, tensorFrom(T.self, gScale, shape: [channels]), tensorFrom(T.self, sumG, shape: [channels]),
                    tensorFrom(T.self, gMean, shape: [channels]), tensorFrom(T.self, gVariance, shape: [channels])]
    }
}

/// running = momentum · running + (1 − momentum) · batch (the batch variance made unbiased,
/// × M/(M−1), when asked), as tensors of the running statistics' dtype and shape.
private func updatedRunningStatistics<T: FloatElement>(_: T.Type, runningMean: Tensor, runningVariance: Tensor, mean: [Double], variance: [Double],
                                                       momentum: Double, perChannel: Int, unbiased: Bool) throws -> (Tensor, Tensor) {
    let correction = unbiased ? Double(perChannel) / Double(perChannel - 1) : 1
    let oldMean = doubleValues(T.self, runningMean), oldVariance = doubleValues(T.self, runningVariance)
    let newMean = mean.indices.map { momentum * oldMean[$0] + (1 - momentum) * mean[$0] }
    let newVariance = variance.indices.map { momentum * oldVariance[$0] + (1 - momentum) * variance[$0] * correction }
    return (try tensorFrom(T.self, newMean, shape: runningMean.shape), try tensorFrom(T.self, newVariance, shape: runningVariance.shape))
}

private func batchNormTraining<T: FloatElement>(_: T.Type, x: Tensor, scale: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor,
                                                momentum: Double, epsilon: Double, unbiased: Bool, layout: ChannelLayout) throws
    -> (output: Tensor, runningMean: Tensor, runningVariance: Tensor) {
    let channels = layout.channels, spatial = layout.spatial, batch = layout.batch
    let perChannel = batch * spatial
    let gamma = doubleValues(T.self, scale), beta = doubleValues(T.self, bias)
    var mean = [Double](repeating: 0, count: channels), variance = [Double](repeating: 0, count: channels)
    var y = Tensor(uninitialized: x.shape, dtype: x.dtype)
    let grain = max(1, 16384 / max(1, perChannel))
    x.withElements(T.self) { xs in
        y.withMutableElements(T.self) { ys in
            mean.withUnsafeMutableBufferPointer { meanBuffer in
                variance.withUnsafeMutableBufferPointer { varianceBuffer in
                    guard let xb = xs.baseAddress, let yb = ys.baseAddress,
                          let mb = meanBuffer.baseAddress, let vb = varianceBuffer.baseAddress else { return }
                    Parallel.forRange(channels, grain: grain) { range in
                        for c in range {
                            var sum = 0.0
                            for n in 0..<batch {
                                let src = xb + (n * channels + c) * spatial
                                for i in 0..<spatial { sum += Double(src[i]) }
                            }
                            let m = sum / Double(perChannel)
                            var squares = 0.0
                            for n in 0..<batch {
                                let src = xb + (n * channels + c) * spatial
                                for i in 0..<spatial { let d = Double(src[i]) - m; squares += d * d }
                            }
                            let v = squares / Double(perChannel)
                            mb[c] = m; vb[c] = v
                            let mT = T(m), a = T(gamma[c] / (v + epsilon).squareRoot()), b = T(beta[c])
                            for n in 0..<batch {
                                let offset = (n * channels + c) * spatial
                                let src = xb + offset, dst = yb + offset
                                for i in 0..<spatial { dst[i] = (src[i] - mT) * a + b }
                            }
                        }
                    }
                }
            }
        }
    }
    let (updatedMean, updatedVariance) = try updatedRunningStatistics(T.self, runningMean: runningMean, runningVariance: runningVariance,
                                                                     mean: mean, variance: variance, momentum: momentum,
                                                                     perChannel: perChannel, unbiased: unbiased)

    let batchMean = mean
    let invstd = variance.map { 1 / ($0 + epsilon).squareRoot() }
    let output = y.recorded("BatchNormalization(training)", inputs: [x, scale, bias]) { g in
        try checkNormGradient(g, like: x, op: "BatchNormalization(training)")
        var gx = Tensor(uninitialized: x.shape, dtype: x.dtype)
        var sumG = [Double](repeating: 0, count: channels), sumGX = [Double](repeating: 0, count: channels)
        x.withElements(T.self) { xs in
            g.withElements(T.self) { gs in
                gx.withMutableElements(T.self) { gxs in
                    sumG.withUnsafeMutableBufferPointer { sg in
                        sumGX.withUnsafeMutableBufferPointer { sgx in
                            guard let xb = xs.baseAddress, let gb = gs.baseAddress, let ob = gxs.baseAddress,
                                  let sgb = sg.baseAddress, let sgxb = sgx.baseAddress else { return }
                            Parallel.forRange(channels, grain: grain) { range in
                                for c in range {
                                    let m = batchMean[c], inv = invstd[c]
                                    var s0 = 0.0, s1 = 0.0
                                    for n in 0..<batch {
                                        let base = (n * channels + c) * spatial
                                        for i in 0..<spatial {
                                            let gv = Double(gb[base + i])
                                            s0 += gv
                                            s1 += gv * (Double(xb[base + i]) - m) * inv
                                        }
                                    }
                                    sgb[c] = s0; sgxb[c] = s1
                                    // dx = γ·inv·(g − Σg/M − x̂·Σ(g·x̂)/M)
                                    let k = gamma[c] * inv, meanG = s0 / Double(perChannel), meanGX = s1 / Double(perChannel)
                                    for n in 0..<batch {
                                        let base = (n * channels + c) * spatial
                                        for i in 0..<spatial {
                                            let xhat = (Double(xb[base + i]) - m) * inv
                                            ob[base + i] = T(k * (Double(gb[base + i]) - meanG - xhat * meanGX))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return try [gx, tensorFrom(T.self, sumGX, shape: [channels]), tensorFrom(T.self, sumG, shape: [channels])]
    }
    return (output, updatedMean, updatedVariance)
}

// MARK: Batch normalization (training), float32 fast path

/// Float32 batch-norm training: the same results as `batchNormTraining` up to float rounding
/// (tests compare it with the Float64 path), with 16-lane float sums per (image, channel)
/// plane added into Float64 per channel, one read pass for the statistics (sums of x − K and
/// (x − K)² with K the channel's first value, so a large mean does not cancel) and one fused
/// pass each for the output and the input gradient.
private typealias Lanes = SIMD16<Float>

@inline(__always) private func loadLanes(_ p: UnsafePointer<Float>) -> Lanes {
    UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
}

@inline(__always) private func storeLanes(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
}

/// Σ(x − k) and Σ(x − k)² over `count` floats.
@inline(__always) private func shiftedSums(_ x: UnsafePointer<Float>, _ count: Int, shift k: Float) -> (Double, Double) {
    var s1 = Lanes(repeating: 0), s2 = Lanes(repeating: 0)
    let kv = Lanes(repeating: k)
    var i = 0
    while i + 16 <= count {
        let d = loadLanes(x + i) - kv
        s1 += d
        s2 += d * d
        i += 16
    }
    var t1 = Double(s1.sum()), t2 = Double(s2.sum())
    while i < count {
        let d = Double(x[i] - k)
        t1 += d; t2 += d * d
        i += 1
    }
    return (t1, t2)
}

/// Σg and Σg·(x − m) over `count` floats.
@inline(__always) private func gradientSums(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int, mean m: Float) -> (Double, Double) {
    var s0 = Lanes(repeating: 0), s1 = Lanes(repeating: 0)
    let mv = Lanes(repeating: m)
    var i = 0
    while i + 16 <= count {
        let gv = loadLanes(g + i)
        s0 += gv
        s1 += gv * (loadLanes(x + i) - mv)
        i += 16
    }
    var t0 = Double(s0.sum()), t1 = Double(s1.sum())
    while i < count {
        t0 += Double(g[i]); t1 += Double(g[i]) * Double(x[i] - m)
        i += 1
    }
    return (t0, t1)
}

/// out = a·u + b·v + c over `count` floats (`v` may be nil: out = a·u + c).
@inline(__always) private func affine2(_ u: UnsafePointer<Float>, _ v: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>, _ count: Int,
                                       a: Float, b: Float, c: Float) {
    let av = Lanes(repeating: a), bv = Lanes(repeating: b), cv = Lanes(repeating: c)
    var i = 0
    if let v {
        while i + 16 <= count { storeLanes(loadLanes(u + i) * av + loadLanes(v + i) * bv + cv, out + i); i += 16 }
        while i < count { out[i] = u[i] * a + v[i] * b + c; i += 1 }
    } else {
        while i + 16 <= count { storeLanes(loadLanes(u + i) * av + cv, out + i); i += 16 }
        while i < count { out[i] = u[i] * a + c; i += 1 }
    }
}

private func batchNormTrainingFloat32(x: Tensor, scale: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor,
                                      momentum: Double, epsilon: Double, unbiased: Bool, layout: ChannelLayout) throws
    -> (output: Tensor, runningMean: Tensor, runningVariance: Tensor) {
    let channels = layout.channels, spatial = layout.spatial, batch = layout.batch
    let perChannel = batch * spatial
    let gamma = doubleValues(Float.self, scale), beta = doubleValues(Float.self, bias)
    var mean = [Double](repeating: 0, count: channels), variance = [Double](repeating: 0, count: channels)
    let xc = x.contiguous()
    var y = Tensor(uninitialized: x.shape, dtype: .float32)
    let grain = max(1, 16384 / max(1, perChannel))
    xc.withElements(Float.self) { xs in
        y.withMutableElements(Float.self) { ys in
            mean.withUnsafeMutableBufferPointer { meanBuffer in
                variance.withUnsafeMutableBufferPointer { varianceBuffer in
                    guard let xb = xs.baseAddress, let yb = ys.baseAddress,
                          let mb = meanBuffer.baseAddress, let vb = varianceBuffer.baseAddress else { return }
                    Parallel.forRange(channels, grain: grain) { range in
                        for c in range {
                            let k = xb[c * spatial]
                            var t1 = 0.0, t2 = 0.0
                            for n in 0..<batch {
                                let (a, b) = shiftedSums(xb + (n * channels + c) * spatial, spatial, shift: k)
                                t1 += a; t2 += b
                            }
                            let d = t1 / Double(perChannel)
                            let m = Double(k) + d
                            let v = Swift.max(0, t2 / Double(perChannel) - d * d)
                            mb[c] = m; vb[c] = v
                            let a = gamma[c] / (v + epsilon).squareRoot()
                            let scaleF = Float(a), shiftF = Float(beta[c] - m * a)
                            for n in 0..<batch {
                                let offset = (n * channels + c) * spatial
                                affine2(xb + offset, nil, yb + offset, spatial, a: scaleF, b: 0, c: shiftF)
                            }
                        }
                    }
                }
            }
        }
    }
    let (updatedMean, updatedVariance) = try updatedRunningStatistics(Float.self, runningMean: runningMean, runningVariance: runningVariance,
                                                                     mean: mean, variance: variance, momentum: momentum,
                                                                     perChannel: perChannel, unbiased: unbiased)

    let batchMean = mean
    let invstd = variance.map { 1 / ($0 + epsilon).squareRoot() }
    let output = y.recorded("BatchNormalization(training)", inputs: [x, scale, bias]) { g in
        try checkNormGradient(g, like: x, op: "BatchNormalization(training)")
        let g = g.contiguous()
        var gx = Tensor(uninitialized: x.shape, dtype: .float32)
        var sumG = [Double](repeating: 0, count: channels), sumGX = [Double](repeating: 0, count: channels)
        xc.withElements(Float.self) { xs in
            g.withElements(Float.self) { gs in
                gx.withMutableElements(Float.self) { gxs in
                    sumG.withUnsafeMutableBufferPointer { sg in
                        sumGX.withUnsafeMutableBufferPointer { sgx in
                            guard let xb = xs.baseAddress, let gb = gs.baseAddress, let ob = gxs.baseAddress,
                                  let sgb = sg.baseAddress, let sgxb = sgx.baseAddress else { return }
                            Parallel.forRange(channels, grain: grain) { range in
                                for c in range {
                                    let m = batchMean[c], inv = invstd[c], mF = Float(m)
                                    var s0 = 0.0, s1 = 0.0
                                    for n in 0..<batch {
                                        let base = (n * channels + c) * spatial
                                        let (a, b) = gradientSums(gb + base, xb + base, spatial, mean: mF)
                                        s0 += a; s1 += b
                                    }
                                    // Σg·(x − m) with m rounded to float; the exact mean's share is s0·(mF − m).
                                    s1 += s0 * (Double(mF) - m)
                                    sgb[c] = s0; sgxb[c] = s1 * inv
                                    // dx = k·(g − Σg/M − x̂·Σ(g·x̂)/M) = A·g + B·x + C.
                                    let k = gamma[c] * inv, meanG = s0 / Double(perChannel), meanGX = s1 * inv / Double(perChannel)
                                    let A = k, B = -k * inv * meanGX, C = -k * meanG + k * inv * meanGX * m
                                    for n in 0..<batch {
                                        let base = (n * channels + c) * spatial
                                        affine2(gb + base, xb + base, ob + base, spatial, a: Float(A), b: Float(B), c: Float(C))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return try [gx, tensorFrom(Float.self, sumGX, shape: [channels]), tensorFrom(Float.self, sumG, shape: [channels])]
    }
    return (output, updatedMean, updatedVariance)
}

// MARK: Instance, group and layer normalization

/// A tensor seen as `segments` contiguous runs of `length` elements, each normalised on its own.
/// A run is `blocks` blocks of `blockLength` elements sharing one affine value; block b of segment s
/// uses affine index `(s % cycle) · blocks + b` (instance: 1 block per (n, c) plane; group: C/G
/// channel blocks per (n, group); layer: D one-element blocks per row).
private struct SegmentLayout {
    let segments: Int
    let length: Int
    let blocks: Int
    let blockLength: Int
    let cycle: Int

    var affineCount: Int { cycle * blocks }
    var grain: Int { max(1, 16384 / max(1, length)) }
}

/// Layer normalization's parameters broadcast over the normalised shape: flat parameter index per element.
private struct AffineMap {
    let scale: [Int]
    let bias: [Int]?
}

private func segmentNormalization(x: Tensor, scale: Tensor, bias: Tensor?, affineMap: AffineMap?, segments: SegmentLayout,
                                  epsilon: Double, op: String) throws -> Tensor {
    switch x.dtype {
    case .float32: return try segmentNormalizationRecorded(Float.self, x: x, scale: scale, bias: bias, affineMap: affineMap, layout: segments, epsilon: epsilon, op: op)
    case .float64: return try segmentNormalizationRecorded(Double.self, x: x, scale: scale, bias: bias, affineMap: affineMap, layout: segments, epsilon: epsilon, op: op)
    default: throw TensorError.unsupportedDType(op: op, dtype: x.dtype)
    }
}

private func segmentNormalizationRecorded<T: FloatElement>(_: T.Type, x: Tensor, scale: Tensor, bias: Tensor?, affineMap: AffineMap?,
                                                           layout: SegmentLayout, epsilon: Double, op: String) throws -> Tensor {
    // Affine values per affine index (expanded over the normalised shape for layer normalization).
    let scaleValues = doubleValues(T.self, scale)
    let biasValues = bias.map { doubleValues(T.self, $0) }
    let gamma: [Double], beta: [Double]
    if let affineMap {
        gamma = affineMap.scale.map { scaleValues[$0] }
        if let biasValues, let biasMap = affineMap.bias {
            beta = biasMap.map { biasValues[$0] }
        } else {
            beta = [Double](repeating: 0, count: layout.affineCount)
        }
    } else {
        gamma = scaleValues
        beta = biasValues ?? [Double](repeating: 0, count: layout.affineCount)
    }

    var mean = [Double](repeating: 0, count: layout.segments), invstd = [Double](repeating: 0, count: layout.segments)
    var y = Tensor(uninitialized: x.shape, dtype: x.dtype)
    x.withElements(T.self) { xs in
        y.withMutableElements(T.self) { ys in
            mean.withUnsafeMutableBufferPointer { meanBuffer in
                invstd.withUnsafeMutableBufferPointer { invBuffer in
                    guard let xb = xs.baseAddress, let yb = ys.baseAddress,
                          let mb = meanBuffer.baseAddress, let ib = invBuffer.baseAddress else { return }
                    segmentForward(x: xb, y: yb, mean: mb, invstd: ib, gamma: gamma, beta: beta, layout: layout, epsilon: epsilon)
                }
            }
        }
    }

    let savedMean = mean, savedInvstd = invstd
    let inputs = bias.map { [x, scale, $0] } ?? [x, scale]
    return y.recorded(op, inputs: inputs) { g in
        try checkNormGradient(g, like: x, op: op)
        var gx = Tensor(uninitialized: x.shape, dtype: x.dtype)
        // Per-affine-index sums Σg and Σg·x̂, reduced over segments in a fixed order.
        var gradGamma = [Double](repeating: 0, count: layout.affineCount)
        var gradBeta = [Double](repeating: 0, count: layout.affineCount)
        x.withElements(T.self) { xs in
            g.withElements(T.self) { gs in
                gx.withMutableElements(T.self) { gxs in
                    guard let xb = xs.baseAddress, let gb = gs.baseAddress, let ob = gxs.baseAddress else { return }
                    segmentBackward(x: xb, g: gb, gx: ob, mean: savedMean, invstd: savedInvstd, gamma: gamma, layout: layout,
                                    gradGamma: &gradGamma, gradBeta: &gradBeta)
                }
            }
        }
        var result: [Tensor?] = [gx]
        if let affineMap {
            // Sum the expanded gradients back onto the broadcast parameters.
            var gScale = [Double](repeating: 0, count: scale.count)
            for (d, index) in affineMap.scale.enumerated() { gScale[index] += gradGamma[d] }
            result.append(try tensorFrom(T.self, gScale, shape: scale.shape))
            if let bias, let biasMap = affineMap.bias {
                var gBias = [Double](repeating: 0, count: bias.count)
                for (d, index) in biasMap.enumerated() { gBias[index] += gradBeta[d] }
                result.append(try tensorFrom(T.self, gBias, shape: bias.shape))
            }
        } else {
            result.append(try tensorFrom(T.self, gradGamma, shape: scale.shape))
            if let bias { result.append(try tensorFrom(T.self, gradBeta, shape: bias.shape)) }
        }
        return result
    }
}

private func segmentForward<T: FloatElement>(x: UnsafePointer<T>, y: UnsafeMutablePointer<T>,
                                             mean: UnsafeMutablePointer<Double>, invstd: UnsafeMutablePointer<Double>,
                                             gamma: [Double], beta: [Double], layout: SegmentLayout, epsilon: Double) {
    let length = layout.length, blocks = layout.blocks, blockLength = layout.blockLength, cycle = layout.cycle
    gamma.withUnsafeBufferPointer { gammaBuffer in
        beta.withUnsafeBufferPointer { betaBuffer in
            Parallel.forRange(layout.segments, grain: layout.grain) { range in
                for s in range {
                    let src = x + s * length, dst = y + s * length
                    var sum = 0.0
                    for i in 0..<length { sum += Double(src[i]) }
                    let m = length > 0 ? sum / Double(length) : 0
                    var squares = 0.0
                    for i in 0..<length { let d = Double(src[i]) - m; squares += d * d }
                    let inv = 1 / ((length > 0 ? squares / Double(length) : 0) + epsilon).squareRoot()
                    mean[s] = m; invstd[s] = inv
                    let mT = T(m)
                    let first = (s % cycle) * blocks
                    for b in 0..<blocks {
                        let a = T(inv * gammaBuffer[first + b]), shift = T(betaBuffer[first + b])
                        let start = b * blockLength
                        for i in start..<(start + blockLength) { dst[i] = (src[i] - mT) * a + shift }
                    }
                }
            }
        }
    }
}

/// dx = inv·(γ·g − Σ(γ·g)/L − x̂·Σ(γ·g·x̂)/L) per segment; accumulates Σg and Σg·x̂ per affine index.
private func segmentBackward<T: FloatElement>(x: UnsafePointer<T>, g: UnsafePointer<T>, gx: UnsafeMutablePointer<T>,
                                              mean: [Double], invstd: [Double], gamma: [Double], layout: SegmentLayout,
                                              gradGamma: inout [Double], gradBeta: inout [Double]) {
    let length = layout.length, blocks = layout.blocks, blockLength = layout.blockLength, cycle = layout.cycle
    let segments = layout.segments
    // Channel-like layouts (few affine values) keep per-(segment, block) partial sums; layer
    // normalization (one affine value per element) sums columns in a second pass instead, so no
    // buffer the size of the input is needed.
    let perElementAffine = blockLength == 1 && cycle == 1
    var partialG = [Double](repeating: 0, count: perElementAffine ? 0 : segments * blocks)
    var partialGX = [Double](repeating: 0, count: perElementAffine ? 0 : segments * blocks)
    gamma.withUnsafeBufferPointer { gammaBuffer in
    mean.withUnsafeBufferPointer { meanBuffer in
    invstd.withUnsafeBufferPointer { invBuffer in
    partialG.withUnsafeMutableBufferPointer { pg in
    partialGX.withUnsafeMutableBufferPointer { pgx in
        // An empty array's buffer may still have a base address: test the flag, not the pointer.
        let pgb = perElementAffine ? nil : pg.baseAddress, pgxb = perElementAffine ? nil : pgx.baseAddress
        Parallel.forRange(segments, grain: layout.grain) { range in
            for s in range {
                let src = x + s * length, grad = g + s * length, dst = gx + s * length
                let m = meanBuffer[s], inv = invBuffer[s]
                let first = (s % cycle) * blocks
                var sumD = 0.0, sumDX = 0.0
                for b in 0..<blocks {
                    let start = b * blockLength
                    var sg = 0.0, sgx = 0.0
                    for i in start..<(start + blockLength) {
                        let gv = Double(grad[i])
                        sg += gv
                        sgx += gv * (Double(src[i]) - m) * inv
                    }
                    let gammaValue = gammaBuffer[first + b]
                    sumD += gammaValue * sg
                    sumDX += gammaValue * sgx
                    if let pgb, let pgxb { pgb[s * blocks + b] = sg; pgxb[s * blocks + b] = sgx }
                }
                let meanD = sumD / Double(length), meanDX = sumDX / Double(length)
                for b in 0..<blocks {
                    let k = inv * gammaBuffer[first + b]
                    let start = b * blockLength
                    for i in start..<(start + blockLength) {
                        let xhat = (Double(src[i]) - m) * inv
                        dst[i] = T(k * Double(grad[i]) - inv * (meanD + xhat * meanDX))
                    }
                }
            }
        }
    }}}}}
    if perElementAffine {
        gradGamma.withUnsafeMutableBufferPointer { gg in
        gradBeta.withUnsafeMutableBufferPointer { gb in
        mean.withUnsafeBufferPointer { meanBuffer in
        invstd.withUnsafeBufferPointer { invBuffer in
            guard let ggb = gg.baseAddress, let gbb = gb.baseAddress else { return }
            // Each column's sum runs over rows in order, whatever the split: deterministic.
            Parallel.forRange(length, grain: max(16, 16384 / max(1, segments))) { columns in
                for s in 0..<segments {
                    let m = meanBuffer[s], inv = invBuffer[s]
                    let src = x + s * length, grad = g + s * length
                    for d in columns {
                        let gv = Double(grad[d])
                        gbb[d] += gv
                        ggb[d] += gv * (Double(src[d]) - m) * inv
                    }
                }
            }
        }}}}
    } else {
        for s in 0..<segments {
            let first = (s % cycle) * blocks
            for b in 0..<blocks {
                gradBeta[first + b] += partialG[s * blocks + b]
                gradGamma[first + b] += partialGX[s * blocks + b]
            }
        }
    }
}
