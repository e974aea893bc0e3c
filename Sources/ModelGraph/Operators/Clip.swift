import TensorCore

extension Ops {
    /// ONNX Clip: bounds as attributes (opset 6) or optional inputs (opset 11+).
    public struct Clip: Operator {
        public static let opType = "Clip"
        public static let versions = [6, 11, 12, 13]
        let attributeMin: Double?
        let attributeMax: Double?
        let version: Int

        public init(node: Node, version: Int) throws {
            self.version = version
            if version < 11 {
                attributeMin = try node.float("min", default: -Double(Float.greatestFiniteMagnitude))
                attributeMax = try node.float("max", default: Double(Float.greatestFiniteMagnitude))
            } else {
                attributeMin = nil
                attributeMax = nil
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            var lo = attributeMin ?? -Double.infinity, hi = attributeMax ?? Double.infinity
            if version >= 11 {
                if inputs.count > 1, let m = inputs[1] { lo = try m.item() }
                if inputs.count > 2, let m = inputs[2] { hi = try m.item() }
            }
            if !x.dtype.isFloatingPoint {
                lo = lo.isInfinite ? (lo < 0 ? -9.2e18 : 9.2e18) : lo
                hi = hi.isInfinite ? (hi < 0 ? -9.2e18 : 9.2e18) : hi
            }
            return [try x.unary(.clip(min: lo, max: hi))]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .elementwise
        }
    }
}
