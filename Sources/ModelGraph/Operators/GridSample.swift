import TensorCore

extension Ops {
    /// ONNX GridSample on (N, C, H, W) with a grid (N, Ho, Wo, 2) of normalised (x, y) points:
    /// nearest, (bi)linear or (bi)cubic sampling (opset 16 names and opset 20's linear/cubic),
    /// padding zeros, border or reflection, `align_corners`. Sample positions and weights are
    /// tensor functions of the grid and values are gathered from X, so gradients reach both.
    public struct GridSample: Operator {
        public static let opType = "GridSample"
        public static let versions = [16, 20]
        enum Mode { case nearest, linear, cubic }
        enum Padding: String { case zeros, border, reflection }
        let mode: Mode
        let padding: Padding
        let alignCorners: Bool

        public init(node: Node, version: Int) throws {
            let rawMode = try node.string("mode", default: version >= 20 ? "linear" : "bilinear")
            switch rawMode {
            case "nearest": mode = .nearest
            case "bilinear", "linear": mode = .linear
            case "bicubic", "cubic": mode = .cubic
            default: throw node.invalid("mode", "must be nearest, linear/bilinear or cubic/bicubic, got '\(rawMode)'")
            }
            let rawPadding = try node.string("padding_mode", default: "zeros")
            guard let padding = Padding(rawValue: rawPadding) else {
                throw node.invalid("padding_mode", "must be zeros, border or reflection, got '\(rawPadding)'")
            }
            self.padding = padding
            alignCorners = try node.int("align_corners", default: 0) != 0
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let input = try context.required(inputs, 0, "X"), rawGrid = try context.required(inputs, 1, "grid")
            guard input.rank == 4, rawGrid.rank == 4, rawGrid.shape[0] == input.shape[0], rawGrid.shape[3] == 2 else {
                throw context.invalid("X/grid", "Winnow's GridSample takes X (N, C, H, W) and grid (N, Ho, Wo, 2); got \(input.shape) and \(rawGrid.shape)")
            }
            guard input.dtype.isFloatingPoint, rawGrid.dtype.isFloatingPoint else {
                throw context.invalid("X/grid", "must be floating point, got \(input.dtype) and \(rawGrid.dtype)")
            }
            let dtype: DType = input.dtype == .float64 ? .float64 : .float32
            let x = try input.cast(to: dtype), grid = try rawGrid.cast(to: dtype)
            let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
            let outH = grid.shape[1], outW = grid.shape[2], points = outH * outW
            let gx = try grid.sliced(starts: [0], ends: [1], axes: [3]).reshaped([n, points])
            let gy = try grid.sliced(starts: [1], ends: [2], axes: [3]).reshaped([n, points])
            var ix = try denormalize(gx, size: w), iy = try denormalize(gy, size: h)
            if mode == .nearest { ix = try ix.unary(.round); iy = try iy.unary(.round) }
            ix = try bounded(ix, size: w)
            iy = try bounded(iy, size: h)
            let planes = try x.reshaped([n, c, h * w])
            let xs = ix.detached().doubles(), ys = iy.detached().doubles()

            // Taps: integer offsets from floor(coordinate) and their 1-D weights (tensors).
            func taps(_ coordinate: Tensor, _ values: [Double]) throws -> (base: [Int], weights: [(offset: Int, weight: Tensor)]) {
                switch mode {
                case .nearest:
                    return (values.map { Int($0) }, [(0, Tensor(repeating: 1, shape: [], dtype: dtype))])
                case .linear:
                    let floor = values.map { $0.rounded(.down) }
                    let t = try coordinate.subtracting(Tensor(shape: coordinate.shape, scalars: floor).cast(to: dtype))
                    return (floor.map { Int($0) }, [(0, try t.unary(.negate).adding(1)), (1, t)])
                case .cubic:
                    let floor = values.map { $0.rounded(.down) }
                    let t = try coordinate.subtracting(Tensor(shape: coordinate.shape, scalars: floor).cast(to: dtype))
                    return (floor.map { Int($0) }, try Self.cubicWeights(t).enumerated().map { ($0.offset - 1, $0.element) })
                }
            }
            let (baseX, weightsX) = try taps(ix, xs)
            let (baseY, weightsY) = try taps(iy, ys)
            let borders = alignCorners ? (low: 0.0, highX: Double(w - 1), highY: Double(h - 1)) : (low: -0.5, highX: Double(w) - 0.5, highY: Double(h) - 0.5)
            var output: Tensor?
            for (dy, wy) in weightsY {
                for (dx, wx) in weightsX {
                    var flat = [Int64](repeating: 0, count: n * c * points)
                    var valid = [Bool](repeating: true, count: n * points)
                    for b in 0..<n {
                        for p in 0..<points {
                            let k = b * points + p
                            let row = pixel(baseY[k] + dy, size: h, low: borders.low, high: borders.highY)
                            let column = pixel(baseX[k] + dx, size: w, low: borders.low, high: borders.highX)
                            var offset: Int64 = 0
                            if let row, let column { offset = Int64(row * w + column) } else { valid[k] = false }
                            for channel in 0..<c { flat[(b * c + channel) * points + p] = offset }
                        }
                    }
                    let indices = try Tensor(shape: [n, c, points], scalars: flat)
                    let values = try Ops.GatherElements.gather(planes, indices, axis: 2, context: context)
                    let mask = try Tensor(shape: [n, points], scalars: valid).cast(to: dtype)
                    let weight = try wy.multiplying(wx).multiplying(mask).reshaped([n, 1, points])
                    let term = try values.multiplying(weight)
                    output = try output.map { try $0.adding(term) } ?? term
                }
            }
            guard let output else { throw context.invalid("mode", "no sampling taps") }
            return [try output.reshaped([n, c, outH, outW]).cast(to: input.dtype)]
        }

        /// Grid coordinate in [−1, 1] to pixel coordinate.
        func denormalize(_ g: Tensor, size: Int) throws -> Tensor {
            if alignCorners { return try g.adding(1).multiplying(Double(size - 1) / 2) }
            return try g.adding(1).multiplying(Double(size)).adding(-1).multiplying(0.5)
        }

        /// Coordinates outside the borders clamped (border) or reflected (reflection) as the
        /// specification says; slopes ±1 keep the gradient.
        func bounded(_ v: Tensor, size: Int) throws -> Tensor {
            guard padding != .zeros else { return v }
            let (low, high) = alignCorners ? (0.0, Double(size - 1)) : (-0.5, Double(size) - 0.5)
            let values = v.detached().doubles()
            var slope = [Double](repeating: 1, count: values.count), shift = [Double](repeating: 0, count: values.count)
            for (i, value) in values.enumerated() where value < low || value > high {
                let target = padding == .border ? min(max(value, 0), Double(size - 1)) : Self.reflect(value, low: low, high: high)
                slope[i] = padding == .border ? 0 : (Self.reflectionFlips(value, low: low, high: high) ? -1 : 1)
                shift[i] = target - slope[i] * value
            }
            let s = try Tensor(shape: v.shape, scalars: slope).cast(to: v.dtype), b = try Tensor(shape: v.shape, scalars: shift).cast(to: v.dtype)
            return try v.multiplying(s).adding(b)
        }

        /// The pixel index for an integer tap position, or nil when it reads zero padding.
        func pixel(_ i: Int, size: Int, low: Double, high: Double) -> Int? {
            switch padding {
            case .zeros: return i >= 0 && i < size ? i : nil
            case .border: return min(max(i, 0), size - 1)
            case .reflection: return min(max(Int(Self.reflect(Double(i), low: low, high: high)), 0), size - 1)
            }
        }

        /// Reflects `value` at the nearer border until it lies in [low, high].
        static func reflect(_ value: Double, low: Double, high: Double) -> Double {
            let span = high - low
            guard span > 0 else { return low }
            if value < low {
                let distance = low - value, folds = (distance / span).rounded(.towardZero), rest = distance - folds * span
                return Int(folds) % 2 == 0 ? low + rest : high - rest
            }
            if value > high {
                let distance = value - high, folds = (distance / span).rounded(.towardZero), rest = distance - folds * span
                return Int(folds) % 2 == 0 ? high - rest : low + rest
            }
            return value
        }

        /// Whether reflecting `value` reverses its direction (an odd number of mirrors).
        static func reflectionFlips(_ value: Double, low: Double, high: Double) -> Bool {
            let span = high - low
            guard span > 0, value < low || value > high else { return false }
            let distance = value < low ? low - value : value - high
            return Int((distance / span).rounded(.towardZero)) % 2 == 0
        }

        /// Keys' cubic convolution weights (A = −0.75) for taps −1, 0, 1, 2 at fraction t ∈ [0, 1).
        static func cubicWeights(_ t: Tensor) throws -> [Tensor] {
            let a = -0.75
            func far(_ s: Tensor) throws -> Tensor {  // |s| in [1, 2): ((a·s − 5a)·s + 8a)·s − 4a
                try s.multiplying(a).adding(-5 * a).multiplying(s).adding(8 * a).multiplying(s).adding(-4 * a)
            }
            func near(_ s: Tensor) throws -> Tensor {  // |s| in [0, 1): ((a + 2)·s − (a + 3))·s² + 1
                try s.multiplying(a + 2).adding(-(a + 3)).multiplying(s).multiplying(s).adding(1)
            }
            let oneMinus = try t.unary(.negate).adding(1)
            return [try far(t.adding(1)), try near(t), try near(oneMinus), try far(oneMinus.adding(1))]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            ChannelDescription(mappings: [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1)])
        }
    }
}
