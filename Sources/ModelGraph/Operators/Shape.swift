import TensorCore

extension Ops {
    /// ONNX Shape: the input's shape as a 1-D int64 tensor; from opset 15 the axes
    /// `start..<end` only (negative counts from the end, both clamped to 0...rank).
    public struct Shape: Operator {
        public static let opType = "Shape"
        public static let versions = [1, 13, 15, 19, 21, 23, 24, 25]
        let start: Int
        let end: Int?

        public init(node: Node, version: Int) throws {
            start = version >= 15 ? try node.int("start", default: 0) : 0
            end = version >= 15 ? try node.int("end") : nil
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let shape = try context.required(inputs, 0, "data").shape
            let rank = shape.count
            func clamp(_ axis: Int) -> Int { min(max(axis < 0 ? axis + rank : axis, 0), rank) }
            let lower = clamp(start), upper = clamp(end ?? rank)
            let values = lower < upper ? shape[lower..<upper].map { Int64($0) } : []
            return [try Tensor(shape: [values.count], scalars: values)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("Shape: the output holds sizes, not channel data")
        }
    }
}
