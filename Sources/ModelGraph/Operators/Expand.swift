import TensorCore

extension Ops {
    /// ONNX Expand: broadcasts the input against an int64 shape (NumPy rules in both directions,
    /// so a 1 in the shape keeps the input's size). A stride-0 view: no copy, and the gradient
    /// sums over the broadcast axes.
    public struct Expand: Operator {
        public static let opType = "Expand"
        public static let versions = [8, 13]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            let shape = try context.integers(inputs, 1, "shape")
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "input 1",
                                                       detail: "shape \(shape) has a negative size")
            }
            return [try x.expanded(to: TensorCore.Shape.broadcast(x.shape, shape, op: "Expand"))]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("Expand: the output rank depends on the values of the shape input")
        }
    }
}
