import TensorCore

extension Ops {
    /// ONNX RNN: H_t = f(X_t·Wᵀ + H_{t−1}·Rᵀ + Wb + Rb), f = Tanh by default; forward, reverse
    /// or bidirectional, optional sequence lengths and initial state, `layout` 1 (opset 14) for
    /// batch-major tensors. Outputs Y and Y_h.
    public struct RNN: Operator {
        public static let opType = "RNN"
        public static let versions = [7, 14]
        let network: RecurrentNetwork

        public init(node: Node, version: Int) throws {
            network = try RecurrentNetwork(node: node, version: version, defaults: ["Tanh"])
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let parsed = try network.inputs(inputs, gates: 1, context: context)
            let recurrences = try (0..<network.directionCount).map { try network.recurrence(parsed.r, $0, gates: 1) }
            let (y, finals) = try network.unroll(parsed, gates: 1, initialStates: [parsed.initialH]) { d, projected, states in
                let pre = try network.clipped(projected.adding(states[0].matmul(recurrences[d])))
                return [try network.activations[d][0].apply(pre)]
            }
            return [y, finals[0]]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("recurrent layers are not channel-pruned") }
    }
}
