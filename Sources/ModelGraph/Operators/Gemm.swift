import TensorCore

extension Ops {
    /// ONNX Gemm: Y = alpha·op(A)·op(B) + beta·C with op a transpose when transA/transB are set.
    public struct Gemm: Operator {
        public static let opType = "Gemm"
        public static let versions = [6, 7, 9, 11, 13]
        let alpha: Double
        let beta: Double
        let transA: Bool
        let transB: Bool

        public init(node: Node, version: Int) throws {
            alpha = try node.float("alpha", default: 1)
            beta = try node.float("beta", default: 1)
            transA = try node.int("transA", default: 0) != 0
            transB = try node.int("transB", default: 0) != 0
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let a = try context.required(inputs, 0, "A"), b = try context.required(inputs, 1, "B")
            guard a.rank == 2, b.rank == 2 else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "input",
                                                       detail: "Gemm needs 2-D A and B, got \(a.shape) and \(b.shape)")
            }
            var y = try Tensor.gemm(a, b, transposeA: transA, transposeB: transB)
            if alpha != 1 { y = try y.multiplying(alpha) }
            if inputs.count > 2, let c = inputs[2], beta != 0 {
                y = try y.adding(beta == 1 ? c : c.multiplying(beta))
            }
            return [y]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            ChannelDescription(
                weights: [.init(input: 1, outAxis: transB ? 0 : 1, inAxis: transB ? 1 : 0),
                          .init(input: 2, outAxis: -1, inAxis: nil)],
                mappings: [.contracted(input: 0, axis: transA ? 0 : 1), .produced(weight: 1, output: 0, outputAxis: 1)])
        }

        public func cost(inputShapes: [[Int]?], outputShapes: [[Int]?]) -> NodeCost {
            guard let a = inputShapes.first ?? nil, let y = outputShapes.first ?? nil, a.count == 2 else { return NodeCost() }
            return NodeCost(macs: TensorCore.Shape.count(y) * (transA ? a[0] : a[1]))
        }
    }
}
