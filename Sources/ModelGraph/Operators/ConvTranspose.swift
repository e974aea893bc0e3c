import TensorCore

extension Ops {
    /// ONNX ConvTranspose on (N, C, S₁…Sₖ), k = 1, 2 or 3, with weight (C, OC/group, K₁…Kₖ) and
    /// optional bias (OC): strides, dilations, pads or auto_pad, output_padding, output_shape, group.
    ///
    /// Built from differentiable pieces: the input is spread out with stride−1 zeros between
    /// elements, padded (or cropped) by (K−1)·dilation − pad on each side (plus output_padding at
    /// the end), and convolved at stride 1 with the spatially flipped weight whose in/out axes are
    /// swapped per group. That equals the transposed convolution (the input-gradient of Conv).
    public struct ConvTranspose: Operator {
        public static let opType = "ConvTranspose"
        public static let versions = [1, 11, 22]
        let autoPad: AutoPad
        let explicitPads: [Int]?
        let strides: [Int]?
        let dilations: [Int]?
        let kernelShape: [Int]?
        let outputPadding: [Int]?
        let outputShape: [Int]?
        let group: Int

        public init(node: Node, version: Int) throws {
            autoPad = try AutoPad(node: node)
            explicitPads = try node.ints("pads")
            strides = try node.ints("strides")
            dilations = try node.ints("dilations")
            kernelShape = try node.ints("kernel_shape")
            outputPadding = try node.ints("output_padding")
            outputShape = try node.ints("output_shape")
            group = try node.int("group", default: 1)
            guard group >= 1 else { throw node.invalid("group", "must be ≥ 1, got \(group)") }
            for (name, values) in [("strides", strides), ("dilations", dilations)] {
                if let values, values.contains(where: { $0 <= 0 }) { throw node.invalid(name, "must be positive, got \(values)") }
            }
            if let outputPadding, outputPadding.contains(where: { $0 < 0 }) {
                throw node.invalid("output_padding", "must be non-negative, got \(outputPadding)")
            }
        }

        /// Resolved per-axis geometry: pads at the begin and end of each spatial axis.
        struct Geometry {
            var kernel: [Int], strides: [Int], dilations: [Int], outputPadding: [Int]
            var padBegin: [Int], padEnd: [Int]
        }

        func geometry(input: [Int], kernel: [Int], context: OperatorContext) throws -> Geometry {
            let k = kernel.count
            if let kernelShape, kernelShape != kernel {
                throw context.invalid("kernel_shape", "\(kernelShape) does not match the weight's spatial shape \(kernel)")
            }
            let s = strides ?? [Int](repeating: 1, count: k)
            let d = dilations ?? [Int](repeating: 1, count: k)
            let extra = outputPadding ?? [Int](repeating: 0, count: k)
            guard s.count == k, d.count == k, extra.count == k, explicitPads.map({ $0.count == 2 * k }) ?? true else {
                throw context.invalid("strides/dilations/pads/output_padding",
                                      "need \(k) strides, dilations and output paddings and \(2 * k) pads for \(k) spatial axes; got \(s), \(d), \(extra), \(explicitPads ?? [])")
            }
            var begin = [Int](repeating: 0, count: k), end = [Int](repeating: 0, count: k)
            // The output length before padding is removed.
            var full = [Int](repeating: 0, count: k)
            for i in 0..<k {
                let stretched: Int = s[i] * (input[i] - 1)
                let reach: Int = (kernel[i] - 1) * d[i]
                full[i] = stretched + extra[i] + reach + 1
            }
            var target: [Int]? = nil
            if let outputShape {
                guard outputShape.count == k || outputShape.count == k + 2 else {
                    throw context.invalid("output_shape", "needs \(k) spatial sizes, got \(outputShape)")
                }
                target = Array(outputShape.suffix(k))
            } else if autoPad == .sameUpper || autoPad == .sameLower {
                target = (0..<k).map { input[$0] * s[$0] }
            }
            if let target {
                for i in 0..<k {
                    let total = full[i] - target[i]
                    let half = floorDivide(total, 2)
                    if autoPad == .sameUpper { begin[i] = half; end[i] = total - half } else { begin[i] = total - half; end[i] = half }
                }
            } else if autoPad == .notSet, let explicitPads {
                begin = Array(explicitPads[..<k]); end = Array(explicitPads[k...])
            }
            for i in 0..<k where full[i] - begin[i] - end[i] <= 0 {
                throw context.invalid("pads", "axis \(i) of input \(input) would have an empty output (length \(full[i]) before pads \(begin[i]), \(end[i]))")
            }
            return Geometry(kernel: kernel, strides: s, dilations: d, outputPadding: extra, padBegin: begin, padEnd: end)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            var x = try context.required(inputs, 0, "X")
            var w = try context.required(inputs, 1, "W")
            let b = inputs.count > 2 ? inputs[2] : nil
            let spatial = x.rank - 2
            guard (1...3).contains(spatial), w.rank == x.rank else {
                throw context.invalid("input", "ConvTranspose supports 1-D, 2-D and 3-D inputs with a weight of the same rank; got X \(x.shape), W \(w.shape)")
            }
            let channels = x.shape[1]
            guard w.shape[0] == channels, channels % group == 0 else {
                throw context.invalid("W", "weight \(w.shape) must be (C, OC/group, K…) with C = \(channels) divisible by group \(group)")
            }
            var g = try geometry(input: Array(x.shape.suffix(spatial)), kernel: Array(w.shape.suffix(spatial)), context: context)
            if let b, b.shape != [w.shape[1] * group] {
                throw context.invalid("B", "bias must have shape [\(w.shape[1] * group)], got \(b.shape)")
            }
            if spatial == 1 {
                // A 1-D transposed convolution is the 2-D one with a height-1 kernel.
                x = try x.unsqueezed(axes: [2])
                w = try w.unsqueezed(axes: [2])
                g = Geometry(kernel: [1] + g.kernel, strides: [1] + g.strides, dilations: [1] + g.dilations,
                             outputPadding: [0] + g.outputPadding, padBegin: [0] + g.padBegin, padEnd: [0] + g.padEnd)
                return [try transposedConvolution(x, w, b, g).squeezed(axes: [2])]
            }
            return [try transposedConvolution(x, w, b, g)]
        }

        /// Spreads, pads and convolves; x (N, C, S…) with 2 or 3 spatial axes.
        func transposedConvolution(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: Geometry) throws -> Tensor {
            let k = g.kernel.count
            let n = x.shape[0], c = x.shape[1]
            let spatial = Array(x.shape[2...])
            let spatialAxes = Array(2..<(2 + k))
            // Weight (C, OC/g, K…) → (OC, C/g, K…) per group, flipped on every spatial axis.
            let groupIn = c / group, groupOut = w.shape[1]
            var weight = try w.reshaped([group, groupIn, groupOut] + g.kernel)
                .transposed(permutation: [0, 2, 1] + (3..<(3 + k)).map { $0 })
                .reshaped([group * groupOut, groupIn] + g.kernel)
            weight = try weight.sliced(starts: [Int](repeating: -1, count: k), ends: [Int](repeating: Int.min, count: k),
                                       axes: spatialAxes, steps: [Int](repeating: -1, count: k))
            // Pads of the spread input, before and after; negative ones crop.
            var before = [Int](), after = [Int]()
            for i in 0..<k {
                let reach = (g.kernel[i] - 1) * g.dilations[i]
                before.append(reach - g.padBegin[i])
                after.append(reach - g.padEnd[i] + g.outputPadding[i])
            }
            var spread = x
            if g.strides.contains(where: { $0 > 1 }) {
                // (N, C, S₁, 1, S₂, 1, …) padded to (N, C, S₁, s₁, S₂, s₂, …): s−1 zeros after each element.
                var interleaved = [n, c]
                for i in 0..<k { interleaved += [spatial[i], 1] }
                spread = try x.reshaped(interleaved)
                    .padded(pads: [Int](repeating: 0, count: k) + g.strides.map { $0 - 1 }, axes: (0..<k).map { 3 + 2 * $0 })
                    .reshaped([n, c] + (0..<k).map { spatial[$0] * g.strides[$0] })
                // The last element is followed by s−1 zeros that the spread input does not have.
                for i in 0..<k { after[i] -= g.strides[i] - 1 }
            }
            if k == 2 && before.allSatisfy({ $0 >= 0 }) && after.allSatisfy({ $0 >= 0 }) {
                return try spread.conv2d(weight: weight, bias: b, strides: [1, 1], pads: [before[0], before[1], after[0], after[1]],
                                         dilations: g.dilations, groups: group)
            }
            spread = try spread.padded(pads: before + after, axes: spatialAxes)
            if k == 2 {
                return try spread.conv2d(weight: weight, bias: b, strides: [1, 1], pads: [0, 0, 0, 0], dilations: g.dilations, groups: group)
            }
            return try convolve3d(spread, weight, b, dilations: g.dilations)
        }

        /// Stride-1, unpadded 3-D convolution as a sum over depth taps of 2-D convolutions that
        /// treat every output depth as a batch entry.
        func convolve3d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, dilations: [Int]) throws -> Tensor {
            let n = x.shape[0], c = x.shape[1], depth = x.shape[2], h = x.shape[3], width = x.shape[4]
            let kd = w.shape[2], oc = w.shape[0]
            let outDepth = depth - (kd - 1) * dilations[0]
            var sum: Tensor? = nil
            for t in 0..<kd {
                let slab = try x.sliced(starts: [t * dilations[0]], ends: [t * dilations[0] + outDepth], axes: [2])
                    .transposed(permutation: [0, 2, 1, 3, 4]).reshaped([n * outDepth, c, h, width])
                let tap = try w.sliced(starts: [t], ends: [t + 1], axes: [2]).squeezed(axes: [2])
                let y = try slab.conv2d(weight: tap, bias: t == 0 ? b : nil, strides: [1, 1], pads: [0, 0, 0, 0],
                                        dilations: [dilations[1], dilations[2]], groups: group)
                sum = try sum.map { try $0.adding(y) } ?? y
            }
            guard let sum else { throw TensorError.invalidArgument(op: "ConvTranspose", detail: "empty kernel") }
            return try sum.reshaped([n, outDepth, oc, sum.shape[2], sum.shape[3]]).transposed(permutation: [0, 2, 1, 3, 4])
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            var description = ChannelDescription(
                weights: [.init(input: 1, outAxis: 1, inAxis: 0), .init(input: 2, outAxis: 0, inAxis: nil)],
                mappings: [.contracted(input: 0, axis: 1), .produced(weight: 1, output: 0, outputAxis: 1)])
            if group > 1 {
                // Input channels of a group feed only that group's outputs.
                description.mappings.append(.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1))
                description.rewrites = ["group"]
            }
            return description
        }

        public func cost(inputShapes: [[Int]?], outputShapes: [[Int]?]) -> NodeCost {
            // Every input element meets OC/group · K… weights.
            guard inputShapes.count > 1, let x = inputShapes[0], let w = inputShapes[1] else { return NodeCost() }
            return NodeCost(macs: TensorCore.Shape.count(x) * TensorCore.Shape.count(Array(w.dropFirst())))
        }
    }
}
