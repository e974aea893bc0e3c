import TensorCore

extension Ops {
    /// ONNX ConstantOfShape: a tensor of the int64 input's shape filled with the one-element
    /// `value` (float32 0 when absent), in `value`'s type.
    public struct ConstantOfShape: Operator {
        public static let opType = "ConstantOfShape"
        public static let versions = [9, 20, 21, 23, 24, 25]
        let value: Tensor

        public init(node: Node, version: Int) throws {
            if let v = try node.tensor("value") {
                guard v.count == 1 else {
                    throw ModelGraphError.invalidAttribute(node: node.label, attribute: "value",
                                                           detail: "must hold exactly one element, got shape \(v.shape)")
                }
                value = try v.reshaped([])
            } else {
                value = Tensor(scalar: Float(0))
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let shape = try context.integers(inputs, 0, "input")
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "input 0",
                                                       detail: "shape \(shape) has a negative size")
            }
            // Copying the one element by broadcasting keeps int64 values exact (no Double round trip).
            return [try value.expanded(to: shape).materialized()]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("ConstantOfShape: the output is a constant with no channel data")
        }
    }
}
