import TensorCore

extension Ops {
    /// ONNX GatherElements: out[i…] = data[i… with axis coordinate replaced by indices[i…]];
    /// `indices` has data's rank (int64 or int32; negative entries count from the end). Computed
    /// as a Gather on the flattened data, so the gradient scatter-adds back.
    public struct GatherElements: Operator {
        public static let opType = "GatherElements"
        public static let versions = [11, 13]
        let axis: Int

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis", default: 0)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let data = try context.required(inputs, 0, "data")
            let indices = try context.required(inputs, 1, "indices")
            return [try Self.gather(data, indices, axis: axis, context: context)]
        }

        /// GatherElements of `data` by `indices` along `axis` (shared with the loss operators).
        static func gather(_ data: Tensor, _ indices: Tensor, axis: Int, context: OperatorContext) throws -> Tensor {
            guard data.rank >= 1, indices.rank == data.rank else {
                throw context.invalid("indices", "must have data's rank \(data.rank) (≥ 1), got shape \(indices.shape)")
            }
            let a = try TensorCore.Shape.normalizeAxis(axis, rank: data.rank, op: "GatherElements")
            let raw = try context.integers(indices.reshaped([indices.count]), "indices", index: 1)
            let dataStrides = TensorCore.Shape.contiguousStrides(data.shape)
            let n = data.shape[a]
            var flat = [Int64](repeating: 0, count: raw.count)
            var coordinate = [Int](repeating: 0, count: indices.rank)
            for position in 0..<raw.count {
                var index = raw[position]
                guard index >= -n && index < n else {
                    throw context.invalid("indices", "index \(index) at \(coordinate) is out of range for axis \(a) of length \(n) in data \(data.shape)")
                }
                if index < 0 { index += n }
                var offset = 0
                for d in 0..<indices.rank {
                    if d != a && coordinate[d] >= data.shape[d] {
                        throw context.invalid("indices", "shape \(indices.shape) exceeds data \(data.shape) on axis \(d)")
                    }
                    offset += (d == a ? index : coordinate[d]) * dataStrides[d]
                }
                flat[position] = Int64(offset)
                var d = indices.rank - 1
                while d >= 0 {
                    coordinate[d] += 1
                    if coordinate[d] < indices.shape[d] { break }
                    coordinate[d] = 0
                    d -= 1
                }
            }
            let table = try Tensor(shape: indices.shape, scalars: flat)
            return try data.reshaped([data.count]).gathered(indices: table, axis: 0)
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("GatherElements picks data positions by a runtime index tensor")
        }
    }
}
