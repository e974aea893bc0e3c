import TensorCore

extension Ops {
    /// ONNX Gather: data [A…, n, B…] indexed on `axis` (default 0) by int32/int64 indices [I…]
    /// gives [A…, I…, B…]; negative indices count from the end.
    public struct Gather: Operator {
        public static let opType = "Gather"
        public static let versions = [1, 11, 13]
        let axis: Int

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis", default: 0)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let data = try context.required(inputs, 0, "data")
            let indices = try context.required(inputs, 1, "indices")
            guard axis >= -data.rank, axis < data.rank else {
                throw context.invalid("axis", "\(axis) is out of range for data of rank \(data.rank) (shape \(data.shape))")
            }
            return [try data.gathered(indices: indices, axis: axis)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            guard inputRanks.count > 1, let rank = inputRanks[0], let indexRank = inputRanks[1] else {
                return .opaque("Gather: the ranks of data and indices are unknown")
            }
            let a = axis < 0 ? axis + rank : axis
            if a == 1 {
                return .opaque("Gather selects along the channel axis, so input channels do not map one-to-one to output channels")
            }
            // Axes before `axis` keep their place; axes after it move by the indices' rank − 1.
            var mappings: [ChannelDescription.Mapping] = []
            for i in 0..<rank where i != a {
                mappings.append(.passthrough(input: 0, inputAxis: i, output: 0, outputAxis: i < a ? i : i + indexRank - 1))
            }
            return ChannelDescription(mappings: mappings)
        }
    }
}
