import TensorCore

extension Ops {
    /// ONNX Trilu: keeps the upper (j − i ≥ k) or lower (j − i ≤ k) triangle of the last two
    /// axes and zeroes the rest; k is an optional int64 input (0 by default). Any dtype.
    public struct Trilu: Operator {
        public static let opType = "Trilu"
        public static let versions = [14]
        let upper: Bool

        public init(node: Node, version: Int) throws {
            upper = try node.int("upper", default: 1) != 0
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            guard x.rank >= 2 else { throw context.invalid("input", "needs rank ≥ 2, got shape \(x.shape)") }
            let values = try context.optionalIntegers(inputs, 1, "k") ?? [0]
            guard values.count == 1 else { throw context.invalid("k", "must hold one value, got \(values)") }
            let k = values[0]
            let rows = x.shape[x.rank - 2], columns = x.shape[x.rank - 1]
            var keep = [Bool](repeating: false, count: rows * columns)
            for i in 0..<rows {
                for j in 0..<columns { keep[i * columns + j] = upper ? j - i >= k : j - i <= k }
            }
            let mask = try Tensor(shape: [rows, columns], scalars: keep)
            return [try Tensor.where(mask, x, Tensor(zeros: [], dtype: x.dtype))]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            // The mask covers the last two axes; a channel axis 1 before them passes through.
            guard let rank = inputRanks.first ?? nil, rank >= 4 else {
                return .opaque("Trilu masks the last two axes, which include the channel axis at this rank")
            }
            return ChannelDescription(mappings: [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1)])
        }
    }
}
