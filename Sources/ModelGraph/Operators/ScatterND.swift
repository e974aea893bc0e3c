import TensorCore

extension Ops {
    /// ONNX ScatterND: indices (…, q) address slices data[i₁, …, i_q, :…]; updates
    /// (indices.shape[:-1] + data.shape[q:]) are written there (`reduction` add/mul from 16,
    /// max/min from 18).
    public struct ScatterND: Operator {
        public static let opType = "ScatterND"
        public static let versions = [11, 13, 16, 18]
        let reduction: ScatterUpdate.Reduction

        public init(node: Node, version: Int) throws {
            reduction = try ScatterUpdate.reduction(node, version: version)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let data = try context.required(inputs, 0, "data")
            let indices = try context.required(inputs, 1, "indices")
            let updates = try context.required(inputs, 2, "updates")
            guard indices.rank >= 1, let q = indices.shape.last, q <= data.rank else {
                throw context.invalid("indices", "shape \(indices.shape) does not address data \(data.shape)")
            }
            let slice = Array(data.shape[q...])
            guard updates.shape == Array(indices.shape.dropLast()) + slice else {
                throw context.invalid("updates", "shape \(updates.shape) must be \(Array(indices.shape.dropLast()) + slice)")
            }
            let raw = try context.integers(indices.reshaped([indices.count]), "indices", index: 1)
            let strides = TensorCore.Shape.contiguousStrides(data.shape)
            let sliceCount = slice.reduce(1, *)
            let tuples = q == 0 ? updates.count / max(sliceCount, 1) : raw.count / q
            var targets: [Int] = []
            targets.reserveCapacity(tuples * sliceCount)
            for t in 0..<tuples {
                var base = 0
                for d in 0..<q {
                    var i = raw[t * q + d]
                    guard i >= -data.shape[d] && i < data.shape[d] else {
                        throw context.invalid("indices", "index \(i) is out of range for axis \(d) of length \(data.shape[d])")
                    }
                    if i < 0 { i += data.shape[d] }
                    base += i * strides[d]
                }
                for e in 0..<sliceCount { targets.append(base + e) }
            }
            return [try ScatterUpdate.apply(data, updates, targets: targets, reduction: reduction, context: context)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("ScatterND writes by runtime indices") }
    }
}
