import TensorCore

extension Ops {
    /// ONNX Conv on (N, C, W), (N, C, H, W) or (N, C, D, H, W) inputs with weight (OC, C/group, K...) and
    /// optional bias (OC); strides, dilations, pads or auto_pad, groups.
    public struct Conv: Operator {
        public static let opType = "Conv"
        public static let versions = [1, 11, 22]
        let autoPad: AutoPad
        let explicitPads: [Int]?
        let strides: [Int]?
        let dilations: [Int]?
        let kernelShape: [Int]?
        let group: Int

        public init(node: Node, version: Int) throws {
            autoPad = try AutoPad(node: node)
            explicitPads = try node.ints("pads")
            strides = try node.ints("strides")
            dilations = try node.ints("dilations")
            kernelShape = try node.ints("kernel_shape")
            group = try node.int("group", default: 1)
            guard group >= 1 else {
                throw ModelGraphError.invalidAttribute(node: node.label, attribute: "group", detail: "must be ≥ 1, got \(group)")
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            var x = try context.required(inputs, 0, "X")
            var w = try context.required(inputs, 1, "W")
            let b = inputs.count > 2 ? inputs[2] : nil
            let spatial = x.rank - 2
            guard (1...3).contains(spatial), w.rank == x.rank else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "input",
                                                       detail: "Conv supports 1-D, 2-D and 3-D inputs with a weight of the same rank; got X \(x.shape), W \(w.shape)")
            }
            let kernel = Array(w.shape.suffix(spatial))
            if let kernelShape, kernelShape != kernel {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "kernel_shape",
                                                       detail: "\(kernelShape) does not match the weight's spatial shape \(kernel)")
            }
            let s = strides ?? [Int](repeating: 1, count: spatial)
            let d = dilations ?? [Int](repeating: 1, count: spatial)
            guard s.count == spatial, d.count == spatial, explicitPads.map({ $0.count == 2 * spatial }) ?? true else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "strides/dilations/pads",
                                                       detail: "need \(spatial) strides and dilations and \(2 * spatial) pads; got \(s), \(d), \(explicitPads ?? [])")
            }
            let (begin, end) = autoPad.pads(explicit: explicitPads, inputSpatial: Array(x.shape.suffix(spatial)), kernel: kernel, strides: s, dilations: d)
            if spatial == 1 {
                x = try x.unsqueezed(axes: [2])
                w = try w.unsqueezed(axes: [2])
                let y = try x.conv2d(weight: w, bias: b, strides: [1, s[0]], pads: [0, begin[0], 0, end[0]],
                                     dilations: [1, d[0]], groups: group)
                return [try y.squeezed(axes: [2])]
            }
            if spatial == 3 {
                return [try convolve3d(x, w, b, strides: s, begin: begin, end: end, dilations: d)]
            }
            return [try x.conv2d(weight: w, bias: b, strides: s, pads: [begin[0], begin[1], end[0], end[1]],
                                 dilations: d, groups: group)]
        }

        /// 3-D convolution as a sum over depth taps of 2-D convolutions, every output depth a
        /// batch entry: depth is padded explicitly, height/width by conv2d. Built from tensor-core
        /// functions (pad, slice, transpose, reshape, conv2d, add), so gradients flow.
        func convolve3d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, strides s: [Int], begin: [Int], end: [Int],
                        dilations d: [Int]) throws -> Tensor {
            let padded = begin[0] == 0 && end[0] == 0 ? x : try x.padded(pads: [begin[0], end[0]], axes: [2])
            let n = padded.shape[0], c = padded.shape[1], depth = padded.shape[2], h = padded.shape[3], width = padded.shape[4]
            let oc = w.shape[0], kd = w.shape[2]
            let span = (kd - 1) * d[0] + 1
            guard depth >= span, kd >= 1 else {
                throw TensorError.invalidArgument(op: "Conv", detail: "padded depth \(depth) is smaller than the dilated kernel depth \(span)")
            }
            let outDepth = (depth - span) / s[0] + 1
            var sum: Tensor? = nil
            for t in 0..<kd {
                let first = t * d[0]
                let slab = try padded.sliced(starts: [first], ends: [first + (outDepth - 1) * s[0] + 1], axes: [2], steps: [s[0]])
                    .transposed(permutation: [0, 2, 1, 3, 4]).reshaped([n * outDepth, c, h, width])
                let tap = try w.sliced(starts: [t], ends: [t + 1], axes: [2]).squeezed(axes: [2])
                let y = try slab.conv2d(weight: tap, bias: t == 0 ? b : nil, strides: [s[1], s[2]],
                                        pads: [begin[1], begin[2], end[1], end[2]], dilations: [d[1], d[2]], groups: group)
                sum = try sum.map { try $0.adding(y) } ?? y
            }
            guard let sum else { throw TensorError.invalidArgument(op: "Conv", detail: "empty kernel") }
            return try sum.reshaped([n, outDepth, oc, sum.shape[2], sum.shape[3]]).transposed(permutation: [0, 2, 1, 3, 4])
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            var description = ChannelDescription(
                weights: [.init(input: 1, outAxis: 0, inAxis: 1), .init(input: 2, outAxis: 0, inAxis: nil)],
                mappings: [.contracted(input: 0, axis: 1), .produced(weight: 1, output: 0, outputAxis: 1)])
            if group > 1 {
                // Grouped/depthwise: input channels of a group feed only that group's outputs.
                description.mappings.append(.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1))
                description.rewrites = ["group"]
            }
            return description
        }

        public func cost(inputShapes: [[Int]?], outputShapes: [[Int]?]) -> NodeCost {
            guard inputShapes.count > 1, let w = inputShapes[1], let y = outputShapes.first ?? nil else { return NodeCost() }
            // Each output element: C/group · K... multiply-adds.
            return NodeCost(macs: TensorCore.Shape.count(y) * TensorCore.Shape.count(Array(w.dropFirst())))
        }
    }
}
