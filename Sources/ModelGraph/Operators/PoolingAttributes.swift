import TensorCore

/// The window attributes shared by MaxPool and AveragePool (kernel_shape, strides, pads or
/// auto_pad, dilations, ceil_mode), resolved per input into per-axis geometry.
struct PoolingAttributes: Sendable {
    let kernelShape: [Int]
    let strides: [Int]?
    let explicitPads: [Int]?
    let dilations: [Int]?
    let autoPad: AutoPad
    let ceilMode: Bool

    init(node: Node) throws {
        guard let kernel = try node.ints("kernel_shape"), !kernel.isEmpty else {
            throw node.invalid("kernel_shape", "is required (one size per spatial axis)")
        }
        guard kernel.allSatisfy({ $0 > 0 }) else { throw node.invalid("kernel_shape", "sizes must be positive, got \(kernel)") }
        kernelShape = kernel
        strides = try node.ints("strides")
        explicitPads = try node.ints("pads")
        dilations = try node.ints("dilations")
        autoPad = try AutoPad(node: node)
        ceilMode = try node.int("ceil_mode", default: 0) != 0
        let k = kernel.count
        if let strides, strides.count != k || strides.contains(where: { $0 <= 0 }) {
            throw node.invalid("strides", "need \(k) positive values for kernel_shape \(kernel), got \(strides)")
        }
        if let dilations, dilations.count != k || dilations.contains(where: { $0 <= 0 }) {
            throw node.invalid("dilations", "need \(k) positive values for kernel_shape \(kernel), got \(dilations)")
        }
        if let explicitPads, explicitPads.count != 2 * k || explicitPads.contains(where: { $0 < 0 }) {
            throw node.invalid("pads", "need \(2 * k) non-negative values [begins…, ends…] for kernel_shape \(kernel), got \(explicitPads)")
        }
    }

    /// Per-axis geometry for an input of shape (N, C, S₁…Sₖ).
    func geometry(for x: Tensor, context: OperatorContext) throws -> PoolingWindow {
        let k = kernelShape.count
        guard x.rank == k + 2 else {
            throw context.invalid("kernel_shape", "\(k) kernel sizes \(kernelShape) need an input of rank \(k + 2) (N, C, spatial…), got shape \(x.shape)")
        }
        let s = strides ?? [Int](repeating: 1, count: k)
        let d = dilations ?? [Int](repeating: 1, count: k)
        let (begin, end) = autoPad.pads(explicit: explicitPads, inputSpatial: Array(x.shape.suffix(k)), kernel: kernelShape, strides: s, dilations: d)
        return PoolingWindow(kernel: kernelShape, strides: s, dilations: d, padBegin: begin, padEnd: end, ceilMode: ceilMode)
    }
}

/// Resolved N-D pooling geometry and the separable evaluation through the 2-D kernels.
///
/// Max and average pooling over a box window are separable: the max over a box is the max over
/// each axis in turn, and the average's divisor (taps inside the input, or inside the padded
/// extent) is the product of the per-axis counts. So 1-D pools as a 2-D pool with a 1-row
/// kernel, 2-D directly, and k-D pools the last two axes at once, then each earlier axis alone.
struct PoolingWindow: Sendable {
    enum Kind: Sendable { case max, average(countIncludePad: Bool) }
    var kernel: [Int], strides: [Int], dilations: [Int], padBegin: [Int], padEnd: [Int]
    var ceilMode: Bool

    /// Output length of spatial axis `i` for an input length, nil when the window does not fit.
    func outputSize(axis i: Int, inputSize: Int) -> Int? {
        PoolingGeometry.outputSize(inputSize: inputSize, kernelSize: kernel[i], stride: strides[i], padBegin: padBegin[i],
                                   padEnd: padEnd[i], dilation: dilations[i], ceilMode: ceilMode)
    }

    /// Pools (N, C, S₁…Sₖ) into (N, C, O₁…Oₖ).
    func pool(_ x: Tensor, _ kind: Kind) throws -> Tensor {
        let k = kernel.count
        let n = x.shape[0], c = x.shape[1]
        if k == 1 {
            let y = try pool2d(x.unsqueezed(axes: [2]), kind, axes: (nil, 0))
            return try y.squeezed(axes: [2])
        }
        let spatial = Array(x.shape[2...])
        let lead = Shape.count(Array(spatial[..<(k - 2)]))
        var y = try pool2d(x.reshaped([n, c * lead, spatial[k - 2], spatial[k - 1]]), kind, axes: (k - 2, k - 1))
        var current = Array(spatial[..<(k - 2)]) + Array(y.shape[2...])
        y = try y.reshaped([n, c] + current)
        for i in stride(from: k - 3, through: 0, by: -1) {
            let before = n * c * Shape.count(Array(current[..<i]))
            let after = Shape.count(Array(current[(i + 1)...]))
            y = try pool2d(y.reshaped([before, 1, current[i], after]), kind, axes: (i, nil))
            current[i] = y.shape[2]
            y = try y.reshaped([n, c] + current)
        }
        return y
    }

    /// One 2-D pool over the last two axes of a rank-4 tensor; `axes` says which spatial axes of
    /// the geometry they are (nil: a size-1 pass-through axis).
    private func pool2d(_ x: Tensor, _ kind: Kind, axes: (Int?, Int?)) throws -> Tensor {
        func pick(_ axis: Int?, _ values: [Int], _ fallback: Int) -> Int { axis.map { values[$0] } ?? fallback }
        let kernelShape = [pick(axes.0, kernel, 1), pick(axes.1, kernel, 1)]
        let strideValues = [pick(axes.0, strides, 1), pick(axes.1, strides, 1)]
        let dilationValues = [pick(axes.0, dilations, 1), pick(axes.1, dilations, 1)]
        let pads = [pick(axes.0, padBegin, 0), pick(axes.1, padBegin, 0), pick(axes.0, padEnd, 0), pick(axes.1, padEnd, 0)]
        switch kind {
        case .max:
            return try x.maxPool2d(kernelShape: kernelShape, strides: strideValues, pads: pads, dilations: dilationValues, ceilMode: ceilMode)
        case let .average(countIncludePad):
            return try x.averagePool2d(kernelShape: kernelShape, strides: strideValues, pads: pads, dilations: dilationValues,
                                       ceilMode: ceilMode, countIncludePad: countIncludePad)
        }
    }
}
