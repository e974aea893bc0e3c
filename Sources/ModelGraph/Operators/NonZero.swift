import TensorCore

extension Ops {
    /// ONNX NonZero: the row-major coordinates of the non-zero elements as int64 (rank, count).
    public struct NonZero: Operator {
        public static let opType = "NonZero"
        public static let versions = [9, 13]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            let values = x.doubles()
            let shape = x.shape
            let positions = values.indices.filter { values[$0] != 0 }
            let rank = max(shape.count, 1)
            var coordinates = [Int64](repeating: 0, count: rank * positions.count)
            for (k, flat) in positions.enumerated() {
                var rest = flat
                for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                    coordinates[axis * positions.count + k] = Int64(rest % shape[axis])
                    rest /= shape[axis]
                }
            }
            return [try Tensor(shape: [rank, positions.count], scalars: coordinates)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("NonZero's output size depends on the values") }
    }
}
