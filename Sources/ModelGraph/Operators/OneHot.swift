import TensorCore

extension Ops {
    /// ONNX OneHot: for indices I (any numeric type, truncated to integers; negative ones count
    /// from `depth`), a tensor of I's shape with a new axis of size `depth` at `axis` holding
    /// values[1] where the index points and values[0] elsewhere (values' dtype).
    public struct OneHot: Operator {
        public static let opType = "OneHot"
        public static let versions = [9, 11]
        let axis: Int

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis", default: -1)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let indices = try context.required(inputs, 0, "indices")
            let depthTensor = try context.required(inputs, 1, "depth")
            let values = try context.required(inputs, 2, "values")
            guard depthTensor.count == 1, values.count == 2 else {
                throw context.invalid("depth/values", "depth must hold one value and values two ([off, on]); got \(depthTensor.shape) and \(values.shape)")
            }
            let depthValue = depthTensor.doubles()[0]
            guard depthValue.isFinite, depthValue >= 1, depthValue < Double(1 << 31) else {
                throw context.invalid("depth", "must be a positive size, got \(depthValue)")
            }
            let depth = Int(depthValue)
            let outRank = indices.rank + 1
            let a = try TensorCore.Shape.normalizeAxis(axis, rank: outRank, op: "OneHot")
            // Indices outside −depth..<depth select nothing (a row of `off`), as the spec allows.
            let normalized = indices.doubles().map { raw -> Int64 in
                guard raw.isFinite else { return -1 }
                let i = Int64(raw.rounded(.towardZero))
                return i < 0 ? i + Int64(depth) : i
            }
            let index = try Tensor(shape: indices.shape, scalars: normalized).unsqueezed(axes: [a])
            var iotaShape = [Int](repeating: 1, count: outRank)
            iotaShape[a] = depth
            let iota = try Tensor(shape: iotaShape, scalars: (0..<depth).map { Int64($0) })
            let hot = try iota.compare(.equal, index)
            let flat = try values.reshaped([2])
            let off = try flat.sliced(starts: [0], ends: [1]).reshaped([])
            let on = try flat.sliced(starts: [1], ends: [2]).reshaped([])
            return [try Tensor.where(hot, on, off)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("OneHot creates a new axis from runtime indices")
        }
    }
}
