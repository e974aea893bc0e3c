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
            let flat = try offsets(dataShape: data.shape, indices: indices, axis: axis, context: context)
            let table = try Tensor(shape: indices.shape, scalars: flat.map { Int64($0) })
            return try data.reshaped([data.count]).gathered(indices: table, axis: 0)
        }

        /// The row-major offset into data of every element of `indices` (same rank as data, no
        /// larger on any axis but `axis`), with that element's coordinate on `axis` replaced by
        /// its value (negative values count from the end). Shared with ScatterElements.
        static func offsets(dataShape: [Int], indices: Tensor, axis: Int, context: OperatorContext) throws -> [Int] {
            guard dataShape.count >= 1, indices.rank == dataShape.count else {
                throw context.invalid("indices", "must have data's rank \(dataShape.count) (≥ 1), got shape \(indices.shape)")
            }
            let a = try TensorCore.Shape.normalizeAxis(axis, rank: dataShape.count, op: context.node.opType)
            for d in 0..<indices.rank where d != a && indices.shape[d] > dataShape[d] {
                throw context.invalid("indices", "shape \(indices.shape) exceeds data \(dataShape) on axis \(d)")
            }
            let raw = try context.integers(indices.reshaped([indices.count]), "indices", index: 1)
            let dataStrides = TensorCore.Shape.contiguousStrides(dataShape)
            let n = dataShape[a]
            var flat = [Int](repeating: 0, count: raw.count)
            var coordinate = [Int](repeating: 0, count: indices.rank)
            for position in 0..<raw.count {
                var index = raw[position]
                guard index >= -n && index < n else {
                    throw context.invalid("indices", "index \(index) at \(coordinate) is out of range for axis \(a) of length \(n) in data \(dataShape)")
                }
                if index < 0 { index += n }
                var offset = 0
                for d in 0..<indices.rank { offset += (d == a ? index : coordinate[d]) * dataStrides[d] }
                flat[position] = offset
                var d = indices.rank - 1
                while d >= 0 {
                    coordinate[d] += 1
                    if coordinate[d] < indices.shape[d] { break }
                    coordinate[d] = 0
                    d -= 1
                }
            }
            return flat
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("GatherElements picks data positions by a runtime index tensor")
        }
    }
}
