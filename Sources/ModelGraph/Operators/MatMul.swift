import TensorCore

extension Ops {
    /// ONNX MatMul: NumPy matmul, A[..., M, K] · B[..., K, N] with broadcast batch axes and 1-D
    /// operands promoted. Float32/Float64 through BLAS; Float16 through Float32; integers through
    /// Float64 (exact while sums stay below 2⁵³).
    public struct MatMul: Operator {
        public static let opType = "MatMul"
        public static let versions = [1, 9, 13]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let a = try context.required(inputs, 0, "A"), b = try context.required(inputs, 1, "B")
            guard a.dtype == b.dtype else { throw TensorError.dtypeMismatch(op: "MatMul", expected: a.dtype, got: b.dtype) }
            return [try MatMul.multiply(a, b)]
        }

        static func multiply(_ a: Tensor, _ b: Tensor) throws -> Tensor {
            switch a.dtype {
            case .float32, .float64: return try a.matmul(b)
            case .float16: return try a.cast(to: .float32).matmul(b.cast(to: .float32)).cast(to: .float16)
            case .int64, .int32, .int8, .uint8: return try a.cast(to: .float64).matmul(b.cast(to: .float64)).cast(to: a.dtype)
            case .bool: throw TensorError.unsupportedDType(op: "MatMul", dtype: a.dtype)
            }
        }

        /// B is the weight when it is a constant: its last axis makes output channels, its
        /// second-to-last meets A's last axis. Axes are negative (from the end) when ranks are unknown.
        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            let rankA = inputRanks.count > 0 ? inputRanks[0] : nil
            let rankB = inputRanks.count > 1 ? inputRanks[1] : nil
            if rankB == 1 { return .opaque("MatMul with a 1-D B contracts the last axis away; no output channel axis") }
            let outRank = rankA.flatMap { a in rankB.map { max(a, $0) } }
            return ChannelDescription(
                weights: [.init(input: 1, outAxis: rankB.map { $0 - 1 } ?? -1, inAxis: rankB.map { $0 - 2 } ?? -2)],
                mappings: [.contracted(input: 0, axis: rankA.map { $0 - 1 } ?? -1),
                           .produced(weight: 1, output: 0, outputAxis: outRank.map { $0 - 1 } ?? -1)])
        }

        public func cost(inputShapes: [[Int]?], outputShapes: [[Int]?]) -> NodeCost {
            guard let a = inputShapes.first ?? nil, let last = a.last, let y = outputShapes.first ?? nil else { return NodeCost() }
            // Every output element is a K-long dot product (K = A's last axis).
            return NodeCost(macs: TensorCore.Shape.count(y) * last)
        }
    }
}
