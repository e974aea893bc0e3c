import TensorCore

extension Ops {
    /// ONNX Conv on (N, C, W) or (N, C, H, W) inputs with weight (OC, C/group, K...) and
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
            guard spatial == 1 || spatial == 2, w.rank == x.rank else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "input",
                                                       detail: "Conv supports 1-D and 2-D inputs with a weight of the same rank; got X \(x.shape), W \(w.shape)")
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
            return [try x.conv2d(weight: w, bias: b, strides: s, pads: [begin[0], begin[1], end[0], end[1]],
                                 dilations: d, groups: group)]
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
