import TensorCore

extension Ops {
    /// ONNX Pad with modes constant, reflect, edge (and wrap, opset 19+): pads as the
    /// `paddings` (opset 1) or `pads` (opset 2) attribute with the `value` attribute, or as
    /// inputs (opset 11+: pads, optional constant_value; 18+: optional axes). Pads are
    /// [x1_begin, x2_begin, …, x1_end, x2_end, …]; negative ones crop.
    public struct Pad: Operator {
        public static let opType = "Pad"
        public static let versions = [1, 2, 11, 13, 18, 19, 21, 23, 24, 25]
        let mode: PadMode
        let attributePads: [Int]?
        let attributeValue: Double
        let version: Int

        public init(node: Node, version: Int) throws {
            self.version = version
            let name = try node.string("mode", default: "constant")
            guard let mode = PadMode(rawValue: name), mode != .wrap || version >= 19 else {
                throw node.invalid("mode", "unknown mode '\(name)' (constant, reflect, edge\(version >= 19 ? ", wrap" : ""))")
            }
            self.mode = mode
            if version < 11 {
                guard let pads = try node.ints(version < 2 ? "paddings" : "pads") else {
                    throw node.invalid(version < 2 ? "paddings" : "pads", "is required for Pad-\(version)")
                }
                attributePads = pads
                attributeValue = try node.float("value", default: 0)
            } else {
                attributePads = nil
                attributeValue = 0
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "data")
            guard version >= 11 else {
                return [try x.padded(pads: attributePads ?? [], mode: mode, value: attributeValue)]
            }
            guard let pads = try context.optionalIntegers(inputs, 1, "pads") else {
                throw context.invalid("input 1", "the required input 'pads' is missing")
            }
            var value = 0.0
            if inputs.count > 2, let constant = inputs[2] {
                // An empty constant_value means the default, 0.
                if constant.count > 1 {
                    throw context.invalid("input 2", "constant_value must hold one value, got shape \(constant.shape)")
                }
                if constant.count == 1 { value = try constant.item() }
            }
            let axes = version >= 18 ? try context.optionalIntegers(inputs, 3, "axes") : nil
            return [try x.padded(pads: pads, mode: mode, value: value, axes: axes)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            if let attributePads, let rank = inputRanks.first ?? nil, attributePads.count == 2 * rank, rank > 1,
               attributePads[1] != 0 || attributePads[rank + 1] != 0 {
                return .opaque("Pad adds or removes channels (pads on axis 1: \(attributePads[1]), \(attributePads[rank + 1]))")
            }
            // From opset 11 the pads are an input; models pad spatial axes, so channels pass through.
            return ChannelDescription(mappings: [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1)])
        }
    }
}
