import TensorCore

extension Ops {
    /// ONNX Scatter (deprecated in opset 11 for ScatterElements, same meaning without reduction).
    public struct Scatter: Operator {
        public static let opType = "Scatter"
        public static let versions = [9, 11]
        let axis: Int

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis", default: 0)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let data = try context.required(inputs, 0, "data")
            let indices = try context.required(inputs, 1, "indices")
            let updates = try context.required(inputs, 2, "updates")
            guard updates.shape == indices.shape else {
                throw context.invalid("updates", "shape \(updates.shape) must equal indices' \(indices.shape)")
            }
            let targets = try Ops.GatherElements.offsets(dataShape: data.shape, indices: indices, axis: axis, context: context)
            return [try ScatterUpdate.apply(data, updates, targets: targets, reduction: .none, context: context)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("Scatter writes by runtime indices") }
    }
}
