import TensorCore

extension Ops {
    /// ONNX GatherND: indices (…, q) address the first q axes of data after `batch_dims` leading
    /// batch axes (opset 12); the result is indices.shape[:-1] + data.shape[batch_dims + q:].
    /// A Gather on data's rows, so gradients flow.
    public struct GatherND: Operator {
        public static let opType = "GatherND"
        public static let versions = [11, 12, 13]
        let batchDims: Int

        public init(node: Node, version: Int) throws {
            batchDims = try node.int("batch_dims", default: 0)
            guard batchDims >= 0 else { throw node.invalid("batch_dims", "must be ≥ 0, got \(batchDims)") }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let data = try context.required(inputs, 0, "data")
            let indices = try context.required(inputs, 1, "indices")
            let b = batchDims
            guard indices.rank >= 1, let q = indices.shape.last, b < min(data.rank, indices.rank), b + q <= data.rank,
                  Array(indices.shape.prefix(b)) == Array(data.shape.prefix(b)) else {
                throw context.invalid("indices", "shape \(indices.shape) does not address data \(data.shape) with batch_dims \(b)")
            }
            let batchShape = Array(data.shape.prefix(b))
            let indexed = Array(data.shape[b..<(b + q)])
            let rest = Array(data.shape[(b + q)...])
            let batchCount = batchShape.reduce(1, *), indexedCount = indexed.reduce(1, *)
            let raw = try context.integers(indices.reshaped([indices.count]), "indices", index: 1)
            let tuples = raw.count / max(q, 1)
            let perBatch = tuples / max(batchCount, 1)
            let indexedStrides = TensorCore.Shape.contiguousStrides(indexed)
            var rows = [Int64](repeating: 0, count: tuples)
            for t in 0..<tuples {
                var offset = (t / max(perBatch, 1)) * indexedCount
                for d in 0..<q {
                    var i = raw[t * q + d]
                    guard i >= -indexed[d] && i < indexed[d] else {
                        throw context.invalid("indices", "index \(i) is out of range for axis \(b + d) of length \(indexed[d])")
                    }
                    if i < 0 { i += indexed[d] }
                    offset += i * indexedStrides[d]
                }
                rows[t] = Int64(offset)
            }
            let table = try Tensor(shape: [tuples], scalars: rows)
            let gathered = try data.reshaped([batchCount * indexedCount] + rest).gathered(indices: table, axis: 0)
            return [try gathered.reshaped(Array(indices.shape.dropLast()) + rest)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("GatherND picks by runtime indices") }
    }
}
