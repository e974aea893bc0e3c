import TensorCore

extension Ops {
    /// ONNX TopK: the k largest (or smallest) values along `axis` and their int64 indices, sorted
    /// (ties by lower index). k is an attribute in opset 1 and an input from 10; `largest` and
    /// `sorted` arrive in 11. The values are a GatherElements of the input, so gradients flow.
    public struct TopK: Operator {
        public static let opType = "TopK"
        public static let versions = [1, 10, 11]
        let axis: Int
        let attributeK: Int?
        let largest: Bool

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis", default: -1)
            attributeK = version < 10 ? try node.int("k") : nil
            if version < 10 && attributeK == nil { throw node.invalid("k", "opset-1 TopK needs the k attribute") }
            largest = try node.int("largest", default: 1) != 0
            // `sorted` = 0 lets the output be in any order; sorted output satisfies it.
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            guard x.rank >= 1, x.dtype != .bool else { throw context.invalid("X", "needs a numeric tensor of rank ≥ 1, got \(x.dtype) \(x.shape)") }
            let k: Int
            if let attributeK { k = attributeK } else {
                let values = try context.integers(inputs, 1, "K")
                guard values.count == 1 else { throw context.invalid("K", "must hold one value, got \(values)") }
                k = values[0]
            }
            let a = try TensorCore.Shape.normalizeAxis(axis, rank: x.rank, op: "TopK")
            let n = x.shape[a]
            guard k >= 0 && k <= n else { throw context.invalid("K", "\(k) is outside 0...\(n) (axis \(a) of \(x.shape))") }
            let values = x.doubles()
            let step = TensorCore.Shape.contiguousStrides(x.shape)[a]
            let outer = x.count / max(n * step, 1)
            var outShape = x.shape
            outShape[a] = k
            var indices = [Int64](repeating: 0, count: outer * k * step)
            var order = [Int](repeating: 0, count: n)
            for o in 0..<outer {
                for inner in 0..<step {
                    let base = o * n * step + inner
                    for i in 0..<n { order[i] = i }
                    // NaN ranks above every number (as NumPy's sort puts it last, then reversed).
                    order.sort { i, j in
                        let u = values[base + i * step], v = values[base + j * step]
                        if u.isNaN || v.isNaN { return u.isNaN && !v.isNaN ? largest : (!u.isNaN && v.isNaN ? !largest : i < j) }
                        if u != v { return largest ? u > v : u < v }
                        return i < j
                    }
                    for t in 0..<k { indices[o * k * step + t * step + inner] = Int64(order[t]) }
                }
            }
            let indexTensor = try Tensor(shape: outShape, scalars: indices)
            let picked = try Ops.GatherElements.gather(x, indexTensor, axis: a, context: context)
            return [picked, indexTensor]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("TopK selects by value") }
    }
}
