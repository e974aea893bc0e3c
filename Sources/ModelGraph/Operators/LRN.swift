import TensorCore

extension Ops {
    /// ONNX LRN (local response normalisation across channels) on (N, C, …):
    /// y = x / (bias + alpha/size · Σ x²)^beta, the sum over channels c − ⌊(size−1)/2⌋ …
    /// c + ⌈(size−1)/2⌉. Composed of pad, slices and arithmetic, so gradients flow.
    public struct LRN: Operator {
        public static let opType = "LRN"
        public static let versions = [1, 13]
        let size: Int
        let alpha: Double
        let beta: Double
        let bias: Double

        public init(node: Node, version: Int) throws {
            guard let size = try node.int("size"), size >= 1 else { throw node.invalid("size", "a positive size is required") }
            self.size = size
            alpha = try node.float("alpha", default: Double(Float(1e-4)))
            beta = try node.float("beta", default: 0.75)
            bias = try node.float("bias", default: 1)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let input = try context.required(inputs, 0, "X")
            guard input.rank >= 3 else { throw context.invalid("X", "LRN needs (N, C, …), got \(input.shape)") }
            return [try ActivationMath.floating(input, context) { x in
                let channels = x.shape[1]
                let before = (size - 1) / 2, after = size - 1 - before
                let squares = try x.multiplying(x).padded(pads: [before, after], axes: [1])
                var window = try squares.sliced(starts: [0], ends: [channels], axes: [1])
                for offset in 1..<max(size, 1) {
                    window = try window.adding(squares.sliced(starts: [offset], ends: [offset + channels], axes: [1]))
                }
                let denominator = try window.multiplying(alpha / Double(size)).adding(bias).binary(.power, x.scalarLike(beta))
                return try x.dividing(denominator)
            }]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("LRN mixes neighbouring channels") }
    }
}
