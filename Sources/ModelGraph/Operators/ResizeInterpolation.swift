import TensorCore

/// Separable resampling for the Resize cases the tensor core's kernel does not cover: cubic,
/// antialiased downsampling, tf_crop_and_resize, tf_half_pixel_for_nn, keep_aspect_ratio_policy,
/// and align_corners/pytorch_half_pixel with a fractional n·scale. Each resized axis is one
/// differentiable step: nearest gathers a table of source indices; linear and cubic multiply by
/// an (m × n) matrix of interpolation weights. Coordinates, neighbours and coefficients follow
/// ONNX's reference evaluator (onnx/reference/ops/op_resize.py), including its use of n·scale
/// as the output length in the coordinate formulas.
struct ResizeInterpolation: Sendable {
    enum Mode: String, Sendable { case nearest, linear, cubic }
    enum Coordinates: String, Sendable {
        case halfPixel = "half_pixel", halfPixelSymmetric = "half_pixel_symmetric", pytorchHalfPixel = "pytorch_half_pixel"
        case alignCorners = "align_corners", asymmetric, tfCropAndResize = "tf_crop_and_resize"
        case tfHalfPixelForNN = "tf_half_pixel_for_nn"
    }

    /// One resized axis: lengths, the scale used by the coordinate formulas, and the region of
    /// interest (tf_crop_and_resize only).
    struct Axis: Sendable {
        var axis: Int
        var inputLength: Int
        var outputLength: Int
        var scale: Double
        var roi: (start: Double, end: Double)?
    }

    var mode: Mode
    var coordinates: Coordinates
    var rounding: NearestRounding
    var cubicCoefficient: Double
    var excludeOutside: Bool
    var extrapolationValue: Double
    var antialias: Bool

    /// Resamples `x` along each axis in `axes` in turn.
    func apply(_ x: Tensor, axes: [Axis]) throws -> Tensor {
        if mode != .nearest && !x.dtype.isFloatingCompute {
            // Integer images interpolate in Float64 and round back.
            return try apply(x.cast(to: .float64), axes: axes).unary(.round).cast(to: x.dtype)
        }
        var y = x
        for axis in axes { y = try resample(y, axis) }
        return y
    }

    /// Source coordinate of each output position and whether it lies outside the crop region.
    func sourceCoordinates(_ a: Axis) -> (coordinates: [Double], extrapolated: [Bool]) {
        let n = Double(a.inputLength), width = a.scale * n
        var result = [Double](), outside = [Bool]()
        for j in 0..<a.outputLength {
            let y = Double(j)
            var x: Double
            switch coordinates {
            case .halfPixel: x = (y + 0.5) / a.scale - 0.5
            case .halfPixelSymmetric:
                let adjustment = Double(a.outputLength) / width
                x = n / 2 * (1 - adjustment) + (y + 0.5) / a.scale - 0.5
            case .pytorchHalfPixel: x = width == 1 ? -0.5 : (y + 0.5) / a.scale - 0.5
            case .alignCorners: x = width == 1 ? 0 : y * (n - 1) / (width - 1)
            case .asymmetric: x = y / a.scale
            case .tfHalfPixelForNN: x = (y + 0.5) / a.scale
            case .tfCropAndResize:
                let roi = a.roi ?? (0, 1)
                x = width == 1 ? (roi.end - roi.start) * (n - 1) / 2 : y * (roi.end - roi.start) * (n - 1) / (width - 1)
                x += roi.start * (n - 1)
            }
            result.append(x)
            outside.append(coordinates == .tfCropAndResize && (x < 0 || x > n - 1))
        }
        return (result, outside)
    }

    /// The input index nearest mode reads for source coordinate `x`.
    func nearestIndex(_ x: Double, length n: Int) -> Int {
        let base = x.rounded(.down)
        var index = base
        if x != base {
            let ratio = x - base
            switch rounding {
            case .roundPreferFloor: index = ratio <= 0.5 ? base : base + 1
            case .roundPreferCeil: index = ratio < 0.5 ? base : base + 1
            case .floor: index = base
            case .ceil: index = base + 1
            }
        }
        return Int(min(max(index, 0), Double(n - 1)))
    }

    /// Interpolation coefficients for the fractional position `ratio` ∈ (0, 1].
    func coefficients(_ ratio: Double, scale: Double) -> [Double] {
        let a = cubicCoefficient
        switch (mode, antialias) {
        case (.cubic, false):
            let r = ratio, s = 1 - ratio
            return [((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
                    ((a + 2) * r - (a + 3)) * r * r + 1,
                    ((a + 2) * s - (a + 3)) * s * s + 1,
                    ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a]
        case (.cubic, true):
            let s = min(scale, 1)
            func kernel(_ v: Double) -> Double {
                let x = abs(v), x2 = x * x, x3 = x2 * x
                if x <= 1 { return (a + 2) * x3 - (a + 3) * x2 + 1 }
                if x < 2 { return a * x3 - 5 * a * x2 + 8 * a * x - 4 * a }
                return 0
            }
            let start = Int((-2 / s).rounded(.down)) + 1
            let values = (start..<(2 - start)).map { kernel(s * (Double($0) - ratio)) }
            let total = values.reduce(0, +)
            return values.map { $0 / total }
        case (_, true):
            let s = min(scale, 1)
            let start = Int((-1 / s).rounded(.down)) + 1
            let values = (start..<(start + 2 - 2 * start)).map { max(0, min(1, 1 - abs((Double($0) - ratio) * s))) }
            let total = values.reduce(0, +)
            return values.map { $0 / total }
        default:
            return [1 - ratio, ratio]
        }
    }

    /// The (m × n) weights of linear/cubic interpolation along one axis, row-major.
    func weights(_ a: Axis, coordinates x: [Double]) -> [Double] {
        let n = a.inputLength, m = a.outputLength
        var matrix = [Double](repeating: 0, count: m * n)
        for j in 0..<m {
            let base = x[j].rounded(.down)
            let ratio = x[j] == base ? 1 : x[j] - base
            var c = coefficients(ratio, scale: a.scale)
            let taps = c.count
            // The taps nearest to x in an edge-padded axis, ties to the smaller index.
            let padWidth = (taps + 1) / 2
            let padded = x[j] + Double(padWidth)
            let p = padded.rounded(.down), fraction = padded - p
            let offset: Int
            if taps % 2 == 0 {
                offset = fraction == 0 ? -(taps / 2) : -(taps / 2) + 1
            } else {
                offset = fraction <= 0.5 ? -((taps - 1) / 2) : -((taps - 1) / 2) + 1
            }
            let first = Int(p) + offset - padWidth
            if excludeOutside {
                for t in 0..<taps where first + t < 0 || first + t >= n { c[t] = 0 }
                let total = c.reduce(0, +)
                if total != 0 { c = c.map { $0 / total } }
            }
            for t in 0..<taps {
                let source = min(max(first + t, 0), n - 1)
                matrix[j * n + source] += c[t]
            }
        }
        return matrix
    }

    func resample(_ x: Tensor, _ a: Axis) throws -> Tensor {
        let (coordinates, extrapolated) = sourceCoordinates(a)
        let before = Shape.count(Array(x.shape[..<a.axis])), after = Shape.count(Array(x.shape[(a.axis + 1)...]))
        var outShape = x.shape
        outShape[a.axis] = a.outputLength
        var y: Tensor
        if mode == .nearest {
            let table = coordinates.map { Int64(nearestIndex($0, length: a.inputLength)) }
            y = try x.gathered(indices: Tensor(shape: [table.count], scalars: table), axis: a.axis)
        } else {
            let values = weights(a, coordinates: coordinates)
            let matrix = x.dtype == .float32
                ? try Tensor(shape: [a.outputLength, a.inputLength], scalars: values.map { Float($0) })
                : try Tensor(shape: [a.outputLength, a.inputLength], scalars: values)
            if after == 1 {
                y = try Tensor.gemm(x.reshaped([before, a.inputLength]), matrix, transposeA: false, transposeB: true)
            } else {
                y = try Tensor.gemm(matrix, x.reshaped([before, a.inputLength, after]), transposeA: false, transposeB: false)
            }
            y = try y.reshaped(outShape)
        }
        if extrapolated.contains(true) {
            let mask = try Tensor(shape: [a.outputLength] + [Int](repeating: 1, count: x.rank - a.axis - 1), scalars: extrapolated)
            y = try Tensor.where(mask, Tensor(repeating: extrapolationValue, shape: [], dtype: y.dtype), y)
        }
        return y
    }
}
