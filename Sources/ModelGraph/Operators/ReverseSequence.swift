import TensorCore

extension Ops {
    /// ONNX ReverseSequence: for every batch entry b, reverses its first sequence_lens[b]
    /// elements along `time_axis` (0 by default; `batch_axis` 1) and keeps the rest. A
    /// GatherElements along time, so gradients flow.
    public struct ReverseSequence: Operator {
        public static let opType = "ReverseSequence"
        public static let versions = [10]
        let batchAxis: Int
        let timeAxis: Int

        public init(node: Node, version: Int) throws {
            batchAxis = try node.int("batch_axis", default: 1)
            timeAxis = try node.int("time_axis", default: 0)
            guard Set([batchAxis, timeAxis]) == [0, 1] else {
                throw node.invalid("batch_axis/time_axis", "must be 0 and 1 in some order, got \(batchAxis) and \(timeAxis)")
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            let lengths = try context.integers(inputs, 1, "sequence_lens")
            guard x.rank >= 2, lengths.count == x.shape[batchAxis] else {
                throw context.invalid("sequence_lens", "needs one length per batch entry (\(x.rank >= 2 ? x.shape[batchAxis] : 0)) of an input of rank ≥ 2; got \(lengths.count) for \(x.shape)")
            }
            let steps = x.shape[timeAxis]
            for length in lengths where length < 0 || length > steps {
                throw context.invalid("sequence_lens", "length \(length) is outside 0...\(steps)")
            }
            // indices[…] = the time position each output element reads.
            var table = [Int64](repeating: 0, count: x.count)
            let strides = TensorCore.Shape.contiguousStrides(x.shape)
            for flat in 0..<x.count {
                let t = (flat / strides[timeAxis]) % steps
                let b = (flat / strides[batchAxis]) % x.shape[batchAxis]
                table[flat] = Int64(t < lengths[b] ? lengths[b] - 1 - t : t)
            }
            return [try Ops.GatherElements.gather(x, Tensor(shape: x.shape, scalars: table), axis: timeAxis, context: context)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("ReverseSequence reorders along time per batch entry") }
    }
}
