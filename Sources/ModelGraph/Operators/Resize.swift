import TensorCore

extension Ops {
    /// ONNX Resize, opsets 10–19: nearest, linear and cubic modes, scales or sizes (opset 11+),
    /// every coordinate_transformation_mode (tf_crop_and_resize with roi and
    /// extrapolation_value), nearest_mode, cubic_coeff_a, exclude_outside, and from opset 18
    /// antialias, axes and keep_aspect_ratio_policy. Opset 10 resizes like Upsample (asymmetric
    /// coordinates, nearest rounds down).
    ///
    /// Nearest and linear with the common coordinate modes run on the tensor core's kernel; the
    /// rest go through `ResizeInterpolation`, one differentiable pass per resized axis.
    public struct Resize: Operator {
        public static let opType = "Resize"
        public static let versions = [10, 11, 13, 18, 19]
        let interpolation: ResizeInterpolation
        let axes: [Int]?
        let keepAspectRatio: String
        let version: Int

        public init(node: Node, version: Int) throws {
            self.version = version
            let modeName = try node.string("mode", default: "nearest")
            guard let mode = ResizeInterpolation.Mode(rawValue: modeName), mode != .cubic || version >= 11 else {
                throw node.invalid("mode", "unknown mode '\(modeName)' (nearest, linear\(version >= 11 ? ", cubic" : ""))")
            }
            var coordinates = ResizeInterpolation.Coordinates.asymmetric
            var rounding = NearestRounding.floor
            if version >= 11 {
                let name = try node.string("coordinate_transformation_mode", default: "half_pixel")
                guard let parsed = ResizeInterpolation.Coordinates(rawValue: name),
                      parsed != .tfHalfPixelForNN || version < 13, parsed != .halfPixelSymmetric || version >= 19 else {
                    throw node.invalid("coordinate_transformation_mode", "'\(name)' is not a mode of Resize-\(version)")
                }
                coordinates = parsed
                let nearestName = try node.string("nearest_mode", default: "round_prefer_floor")
                guard let parsedRounding = NearestRounding(rawValue: nearestName) else {
                    throw node.invalid("nearest_mode", "unknown value '\(nearestName)' (round_prefer_floor, round_prefer_ceil, floor, ceil)")
                }
                rounding = parsedRounding
            }
            let antialias = version >= 18 ? try node.int("antialias", default: 0) != 0 : false
            if antialias && mode == .nearest { throw node.invalid("antialias", "applies to linear and cubic modes only") }
            interpolation = ResizeInterpolation(mode: mode, coordinates: coordinates, rounding: rounding,
                                                cubicCoefficient: try node.float("cubic_coeff_a", default: -0.75),
                                                excludeOutside: try node.int("exclude_outside", default: 0) != 0,
                                                extrapolationValue: try node.float("extrapolation_value", default: 0),
                                                antialias: antialias)
            axes = version >= 18 ? try node.ints("axes") : nil
            keepAspectRatio = version >= 18 ? try node.string("keep_aspect_ratio_policy", default: "stretch") : "stretch"
            guard ["stretch", "not_larger", "not_smaller"].contains(keepAspectRatio) else {
                throw node.invalid("keep_aspect_ratio_policy", "unknown value '\(keepAspectRatio)' (stretch, not_larger, not_smaller)")
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            var scales: [Double]? = nil, sizes: [Int]? = nil, roi: [Double]? = nil
            if version == 10 {
                scales = try context.floatingValues(inputs, 1, "scales")
                guard scales != nil else { throw context.invalid("input 1", "the required input 'scales' is missing") }
            } else {
                roi = try context.floatingValues(inputs, 1, "roi")
                scales = try context.floatingValues(inputs, 2, "scales")
                sizes = try context.optionalIntegers(inputs, 3, "sizes")
                // An empty tensor stands for an omitted input.
                if scales?.isEmpty == true { scales = nil }
                if sizes?.isEmpty == true { sizes = nil }
                if roi?.isEmpty == true { roi = nil }
            }
            let plan = try resolve(shape: x.shape, scales: scales, sizes: sizes, roi: roi, context: context)
            let resized = plan.axes.filter { a in
                !(a.outputLength == a.inputLength && a.scale == 1 && (a.roi.map { $0.start == 0 && $0.end == 1 } ?? true))
            }
            if resized.isEmpty { return [x] }
            if let core = coreTransformation(plan: plan, resized: resized, dtype: x.dtype) {
                let rounding = interpolation.rounding
                let mode: ResizeMode = interpolation.mode == .nearest ? .nearest : .linear
                if plan.fromScales {
                    return [try x.resized(scales: plan.fullScales, mode: mode, coordinateTransformation: core, nearestRounding: rounding)]
                }
                return [try x.resized(sizes: plan.fullSizes, mode: mode, coordinateTransformation: core, nearestRounding: rounding)]
            }
            return [try interpolation.apply(x, axes: resized)]
        }

        struct Plan {
            var axes: [ResizeInterpolation.Axis]
            var fullScales: [Double]
            var fullSizes: [Int]
            var fromScales: Bool
        }

        /// Per-axis lengths and scales from scales or sizes, axes and keep_aspect_ratio_policy.
        func resolve(shape: [Int], scales: [Double]?, sizes: [Int]?, roi: [Double]?, context: OperatorContext) throws -> Plan {
            let rank = shape.count
            guard (scales == nil) != (sizes == nil) else {
                throw context.invalid("scales/sizes", "exactly one of scales and sizes must be given")
            }
            var chosen = Array(0..<rank)
            if let axes {
                chosen = try axes.map { a in
                    guard a >= -rank, a < rank else { throw context.invalid("axes", "\(a) is out of range for an input of rank \(rank)") }
                    return a < 0 ? a + rank : a
                }
                guard Set(chosen).count == chosen.count else { throw context.invalid("axes", "\(axes) repeats an axis") }
            }
            var fullScales = [Double](repeating: 1, count: rank), fullSizes = shape
            if let scales {
                guard scales.count == chosen.count else {
                    throw context.invalid("scales", "\(scales.count) scales for \(chosen.count) axes of input \(shape)")
                }
                for (i, a) in chosen.enumerated() {
                    guard scales[i] > 0, scales[i].isFinite else { throw context.invalid("scales", "scale \(scales[i]) of axis \(a) must be positive") }
                    fullScales[a] = scales[i]
                    fullSizes[a] = Int((Double(shape[a]) * scales[i]).rounded(.down))
                }
            } else if let sizes {
                guard sizes.count == chosen.count, sizes.allSatisfy({ $0 >= 0 }) else {
                    throw context.invalid("sizes", "\(sizes) must hold one non-negative length for each of the \(chosen.count) axes of input \(shape)")
                }
                for (i, a) in chosen.enumerated() where shape[a] == 0 && sizes[i] != 0 {
                    throw context.invalid("sizes", "axis \(a) of input \(shape) is empty and cannot be resized to \(sizes[i])")
                }
                let ratios = chosen.enumerated().map { shape[$0.element] == 0 ? 1 : Double(sizes[$0.offset]) / Double(shape[$0.element]) }
                if keepAspectRatio == "stretch" {
                    for (i, a) in chosen.enumerated() { fullScales[a] = ratios[i]; fullSizes[a] = sizes[i] }
                } else {
                    let common = (keepAspectRatio == "not_larger" ? ratios.min() : ratios.max()) ?? 1
                    for a in chosen {
                        fullScales[a] = common
                        fullSizes[a] = Int(common * Double(shape[a]) + 0.5)
                    }
                }
            }
            var regions: [(start: Double, end: Double)?] = [(Double, Double)?](repeating: nil, count: rank)
            if interpolation.coordinates == .tfCropAndResize {
                guard let roi else { throw context.invalid("roi", "tf_crop_and_resize needs the roi input") }
                let k = roi.count == 2 * rank ? rank : chosen.count
                guard roi.count == 2 * k else {
                    throw context.invalid("roi", "needs \(2 * chosen.count) values [starts…, ends…], got \(roi.count)")
                }
                for (i, a) in (k == rank ? Array(0..<rank) : chosen).enumerated() { regions[a] = (roi[i], roi[k + i]) }
            }
            let planned = chosen.map { a in
                ResizeInterpolation.Axis(axis: a, inputLength: shape[a], outputLength: fullSizes[a], scale: fullScales[a], roi: regions[a])
            }
            return Plan(axes: planned, fullScales: fullScales, fullSizes: fullSizes, fromScales: scales != nil)
        }

        /// The tensor core's coordinate mode when its kernel computes exactly this resize.
        func coreTransformation(plan: Plan, resized: [ResizeInterpolation.Axis], dtype: DType) -> CoordinateTransformation? {
            guard plan.fromScales || keepAspectRatio == "stretch" else { return nil }
            switch interpolation.mode {
            case .cubic: return nil
            case .linear:
                guard dtype.isFloatingCompute else { return nil }
                // Antialiasing changes nothing where no axis shrinks.
                if interpolation.antialias && resized.contains(where: { $0.scale < 1 }) { return nil }
            case .nearest: break
            }
            let transformation: CoordinateTransformation
            switch interpolation.coordinates {
            case .halfPixel: transformation = .halfPixel
            case .halfPixelSymmetric: transformation = .halfPixelSymmetric
            case .asymmetric: transformation = .asymmetric
            case .pytorchHalfPixel, .alignCorners:
                // The kernel uses the integer output length where the reference uses n·scale.
                guard resized.allSatisfy({ $0.scale * Double($0.inputLength) == Double($0.outputLength) }) else { return nil }
                transformation = interpolation.coordinates == .alignCorners ? .alignCorners : .pytorchHalfPixel
            case .tfCropAndResize, .tfHalfPixelForNN: return nil
            }
            return transformation
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            ChannelDescription(mappings: [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1)])
        }
    }
}
