import TensorCore

extension Ops {
    /// ONNX SpaceToDepth: (N, C, H, W) → (N, C·b², H/b, W/b), moving b×b spatial blocks into
    /// channels. A reshape and a transpose, so gradients flow.
    public struct SpaceToDepth: Operator {
        public static let opType = "SpaceToDepth"
        public static let versions = [1, 13]
        let blockSize: Int

        public init(node: Node, version: Int) throws {
            guard let b = try node.int("blocksize"), b >= 1 else { throw node.invalid("blocksize", "a positive blocksize is required") }
            blockSize = b
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            let b = blockSize
            guard x.rank == 4, x.shape[2] % b == 0, x.shape[3] % b == 0 else {
                throw context.invalid("input", "needs (N, C, H, W) with H and W divisible by blocksize \(b); got \(x.shape)")
            }
            let n = x.shape[0], c = x.shape[1], h = x.shape[2] / b, w = x.shape[3] / b
            return [try x.reshaped([n, c, h, b, w, b]).transposed(permutation: [0, 3, 5, 1, 2, 4]).reshaped([n, c * b * b, h, w])]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("SpaceToDepth mixes spatial positions into channels")
        }
    }
}
