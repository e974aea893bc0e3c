import TensorCore

extension Ops {
    /// ONNX Constant: `value` (tensor) or, from opset 12, value_float(s)/value_int(s).
    public struct Constant: Operator {
        public static let opType = "Constant"
        public static let versions = [1, 9, 11, 12, 13, 19, 21, 23, 24, 25]
        let value: Tensor

        public init(node: Node, version: Int) throws {
            if let t = try node.tensor("value") {
                value = t
            } else if let f = try node.float("value_float") {
                value = Tensor(scalar: Float(f))
            } else if let fs = try node.floats("value_floats") {
                value = try Tensor(shape: [fs.count], scalars: fs.map { Float($0) })
            } else if let i = try node.int("value_int") {
                value = Tensor(scalar: Int64(i))
            } else if let iv = try node.ints("value_ints") {
                value = try Tensor(shape: [iv.count], scalars: iv.map { Int64($0) })
            } else {
                throw ModelGraphError.invalidAttribute(node: node.label, attribute: "value",
                                                       detail: "Constant needs one of value, value_float(s), value_int(s); sparse and string constants are not supported")
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] { [value] }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { ChannelDescription() }
    }
}
