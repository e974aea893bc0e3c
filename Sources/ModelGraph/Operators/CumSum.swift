import TensorCore

extension Ops {
    /// ONNX CumSum along the axis given by input 1 (`exclusive` leaves out the current element,
    /// `reverse` sums from the end). Floating inputs are a product with a triangular 0/1 matrix,
    /// so the tape records them; integer inputs are summed exactly in Int64.
    public struct CumSum: Operator {
        public static let opType = "CumSum"
        public static let versions = [11, 14]
        let exclusive: Bool
        let reverse: Bool

        public init(node: Node, version: Int) throws {
            exclusive = try node.int("exclusive", default: 0) != 0
            reverse = try node.int("reverse", default: 0) != 0
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "x")
            let axisValues = try context.integers(inputs, 1, "axis")
            guard axisValues.count == 1, x.rank >= 1 else {
                throw context.invalid("axis", "needs one axis value and an input of rank ≥ 1; got \(axisValues) for shape \(x.shape)")
            }
            let axis = try TensorCore.Shape.normalizeAxis(axisValues[0], rank: x.rank, op: "CumSum")
            let n = x.shape[axis]
            // included(i, j): does input position i contribute to output position j?
            func included(_ i: Int, _ j: Int) -> Bool {
                reverse ? (exclusive ? i > j : i >= j) : (exclusive ? i < j : i <= j)
            }
            switch x.dtype {
            case .float32, .float64, .float16:
                let compute = x.dtype == .float16 ? try x.cast(to: .float32) : x
                var triangle = [Double](repeating: 0, count: n * n)
                for i in 0..<n { for j in 0..<n where included(i, j) { triangle[i * n + j] = 1 } }
                let matrix = try Tensor(shape: [n, n], scalars: triangle).cast(to: compute.dtype)
                var order = Array(0..<x.rank)
                order.remove(at: axis)
                order.append(axis)
                var inverse = [Int](repeating: 0, count: x.rank)
                for (position, source) in order.enumerated() { inverse[source] = position }
                let moved = try compute.transposed(permutation: order)
                let rows = moved.count / max(n, 1)
                let summed = try moved.reshaped([rows, n]).matmul(matrix).reshaped(moved.shape).transposed(permutation: inverse)
                return [x.dtype == .float16 ? try summed.cast(to: .float16) : summed]
            case .int64, .int32, .int8, .uint8:
                let values = try x.cast(to: .int64).scalars(Int64.self)
                let strides = TensorCore.Shape.contiguousStrides(x.shape)
                let step = strides[axis], outer = x.count / max(n * step, 1)
                var out = [Int64](repeating: 0, count: values.count)
                for o in 0..<outer {
                    for inner in 0..<step {
                        let base = o * n * step + inner
                        var running: Int64 = 0
                        for t in 0..<n {
                            let j = reverse ? n - 1 - t : t
                            let here = values[base + j * step]
                            if exclusive { out[base + j * step] = running; running &+= here } else { running &+= here; out[base + j * step] = running }
                        }
                    }
                }
                return [try Ops.Cast.convert(Tensor(shape: x.shape, scalars: out), to: x.dtype)]
            case .bool:
                throw context.invalid("input 0", "CumSum needs a numeric input, got bool")
            }
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("CumSum's axis is a runtime input, so it may run along channels")
        }
    }
}
