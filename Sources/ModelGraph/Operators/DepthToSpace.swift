import TensorCore

extension Ops {
    /// ONNX DepthToSpace: (N, C, H, W) → (N, C/b², H·b, W·b), moving channel blocks into space
    /// in DCR (depth-column-row, default) or CRD order. A reshape and a transpose, so gradients flow.
    public struct DepthToSpace: Operator {
        public static let opType = "DepthToSpace"
        public static let versions = [1, 11, 13]
        let blockSize: Int
        let columnRowDepth: Bool

        public init(node: Node, version: Int) throws {
            guard let b = try node.int("blocksize"), b >= 1 else { throw node.invalid("blocksize", "a positive blocksize is required") }
            blockSize = b
            let mode = try node.string("mode", default: "DCR")
            guard mode == "DCR" || mode == "CRD" else { throw node.invalid("mode", "must be DCR or CRD, got '\(mode)'") }
            columnRowDepth = mode == "CRD"
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            let b = blockSize
            guard x.rank == 4, x.shape[1] % (b * b) == 0 else {
                throw context.invalid("input", "needs (N, C, H, W) with C divisible by blocksize² = \(b * b); got \(x.shape)")
            }
            let n = x.shape[0], c = x.shape[1] / (b * b), h = x.shape[2], w = x.shape[3]
            let moved: Tensor
            if columnRowDepth {
                moved = try x.reshaped([n, c, b, b, h, w]).transposed(permutation: [0, 1, 4, 2, 5, 3])
            } else {
                moved = try x.reshaped([n, b, b, c, h, w]).transposed(permutation: [0, 3, 4, 1, 5, 2])
            }
            return [try moved.reshaped([n, c, h * b, w * b])]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("DepthToSpace moves channels into spatial positions")
        }
    }
}
