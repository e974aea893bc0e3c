import TensorCore

extension Ops {
    /// ONNX ScatterElements: data with updates[i…] written to the position of i… whose `axis`
    /// coordinate is replaced by indices[i…] (negative counts from the end); `reduction` add/mul
    /// from opset 16, max/min from 18.
    public struct ScatterElements: Operator {
        public static let opType = "ScatterElements"
        public static let versions = [11, 13, 16, 18]
        let axis: Int
        let reduction: ScatterUpdate.Reduction

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis", default: 0)
            reduction = try ScatterUpdate.reduction(node, version: version)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let data = try context.required(inputs, 0, "data")
            let indices = try context.required(inputs, 1, "indices")
            let updates = try context.required(inputs, 2, "updates")
            guard updates.shape == indices.shape else {
                throw context.invalid("updates", "shape \(updates.shape) must equal indices' \(indices.shape)")
            }
            let targets = try Ops.GatherElements.offsets(dataShape: data.shape, indices: indices, axis: axis, context: context)
            return [try ScatterUpdate.apply(data, updates, targets: targets, reduction: reduction, context: context)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("ScatterElements writes by runtime indices") }
    }
}
