import TensorCore

extension Ops {
    /// ONNX Unique: the distinct elements of the flattened input (or distinct slices along
    /// `axis`), ascending (lexicographic for slices) when `sorted`, else in first-occurrence
    /// order; with the first-occurrence indices, the inverse indices (which unique entry each
    /// input element/slice is) and the counts, all int64. Y is a Gather of X, so gradients flow.
    public struct Unique: Operator {
        public static let opType = "Unique"
        public static let versions = [11]
        let axis: Int?
        let sorted: Bool

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis")
            sorted = try node.int("sorted", default: 1) != 0
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let input = try context.required(inputs, 0, "X")
            var x = input
            var a = 0
            if let axis { a = try TensorCore.Shape.normalizeAxis(axis, rank: x.rank, op: "Unique") } else { x = try x.reshaped([x.count]) }
            let n = x.shape[a]
            let rowLength = n == 0 ? 0 : x.count / n
            var order = Array(0..<x.rank)
            order.remove(at: a)
            let values = try x.transposed(permutation: [a] + order).doubles()
            let rows = (0..<n).map { Array(values[($0 * rowLength)..<(($0 + 1) * rowLength)]) }
            // First occurrences in input order, then the requested order.
            var firsts: [Int] = []
            var slot = [Int](repeating: 0, count: n)
            var counts: [Int64] = []
            var seen: [[Double]: Int] = [:]
            for i in 0..<n {
                if let existing = seen[rows[i]] {
                    slot[i] = existing
                    counts[existing] += 1
                } else {
                    slot[i] = firsts.count
                    seen[rows[i]] = firsts.count
                    firsts.append(i)
                    counts.append(1)
                }
            }
            var rank = Array(firsts.indices)
            if sorted {
                rank.sort { p, q in rows[firsts[p]].lexicographicallyPrecedes(rows[firsts[q]]) }
            }
            var position = [Int](repeating: 0, count: firsts.count)
            for (k, u) in rank.enumerated() { position[u] = k }
            let indices = rank.map { Int64(firsts[$0]) }
            let indexTensor = try Tensor(shape: [indices.count], scalars: indices)
            return [try x.gathered(indices: indexTensor, axis: a),
                    indexTensor,
                    try Tensor(shape: [n], scalars: slot.map { Int64(position[$0]) }),
                    try Tensor(shape: [indices.count], scalars: rank.map { counts[$0] })]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("Unique's output size depends on the values") }
    }
}
