import TensorCore

extension Ops {
    /// ONNX Compress: the slices of `input` along `axis` (of the flattened input when no axis)
    /// whose entry in the 1-D Bool `condition` is true; a condition shorter than the axis selects
    /// from its first entries. A Gather, so gradients flow.
    public struct Compress: Operator {
        public static let opType = "Compress"
        public static let versions = [9, 11]
        let axis: Int?

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis")
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            var x = try context.required(inputs, 0, "input")
            let condition = try context.required(inputs, 1, "condition")
            guard condition.rank == 1, condition.dtype == .bool else {
                throw context.invalid("condition", "must be a 1-D bool tensor, got \(condition.dtype) \(condition.shape)")
            }
            var a = 0
            if let axis { a = try TensorCore.Shape.normalizeAxis(axis, rank: x.rank, op: "Compress") } else { x = try x.reshaped([x.count]) }
            guard condition.count <= x.shape[a] else {
                throw context.invalid("condition", "has \(condition.count) entries for an axis of length \(x.shape[a])")
            }
            let flags = try condition.scalars(Bool.self)
            let picked = flags.indices.filter { flags[$0] }.map { Int64($0) }
            return [try x.gathered(indices: Tensor(shape: [picked.count], scalars: picked), axis: a)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("Compress selects by a runtime condition") }
    }
}
