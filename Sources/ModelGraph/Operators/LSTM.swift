import TensorCore

extension Ops {
    /// ONNX LSTM with gates i, o, f, c and optional peepholes P (i, o, f):
    /// i = f(…+ Pi ⊙ C), f = f(…+ Pf ⊙ C) (or 1 − i with `input_forget`), c̃ = g(…),
    /// C' = f ⊙ C + i ⊙ c̃, o = f(…+ Po ⊙ C'), H = o ⊙ h(C'); Sigmoid/Tanh/Tanh by default.
    /// Outputs Y, Y_h and Y_c; directions, lengths, initial states and layout as RNN.
    public struct LSTM: Operator {
        public static let opType = "LSTM"
        public static let versions = [7, 14]
        let network: RecurrentNetwork
        let inputForget: Bool

        public init(node: Node, version: Int) throws {
            network = try RecurrentNetwork(node: node, version: version, defaults: ["Sigmoid", "Tanh", "Tanh"])
            inputForget = try node.int("input_forget", default: 0) != 0
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let parsed = try network.inputs(inputs, gates: 4, context: context)
            let h = network.hiddenSize, batch = parsed.x.shape[1]
            let initialC = try network.state(inputs, 6, "initial_c", batch: batch, dtype: parsed.x.dtype, context: context)
            var peepholes: Tensor?
            if inputs.count > 7, let p = inputs[7] {
                guard p.shape == [network.directionCount, 3 * h], p.dtype == parsed.x.dtype else {
                    throw context.invalid("P", "must be \(parsed.x.dtype) \([network.directionCount, 3 * h]), got \(p.dtype) \(p.shape)")
                }
                peepholes = p
            }
            let recurrences = try (0..<network.directionCount).map { try network.recurrence(parsed.r, $0, gates: 4) }
            let (y, finals) = try network.unroll(parsed, gates: 4, initialStates: [parsed.initialH, initialC]) { d, projected, states in
                let previousH = states[0], previousC = states[1]
                let pre = try projected.adding(previousH.matmul(recurrences[d]))
                let f = network.activations[d][0], g = network.activations[d][1], hOut = network.activations[d][2]
                func peephole(_ k: Int, _ c: Tensor) throws -> Tensor? {
                    guard let peepholes else { return nil }
                    return try peepholes.sliced(starts: [d, k * h], ends: [d + 1, (k + 1) * h], axes: [0, 1]).multiplying(c)
                }
                var iPre = try network.gate(pre, 0)
                if let p = try peephole(0, previousC) { iPre = try iPre.adding(p) }
                let i = try f.apply(network.clipped(iPre))
                let forget: Tensor
                if inputForget {
                    forget = try i.unary(.negate).adding(1)
                } else {
                    var fPre = try network.gate(pre, 2)
                    if let p = try peephole(2, previousC) { fPre = try fPre.adding(p) }
                    forget = try f.apply(network.clipped(fPre))
                }
                let candidate = try g.apply(network.clipped(network.gate(pre, 3)))
                let c = try forget.multiplying(previousC).adding(i.multiplying(candidate))
                var oPre = try network.gate(pre, 1)
                if let p = try peephole(1, c) { oPre = try oPre.adding(p) }
                let o = try f.apply(network.clipped(oPre))
                return [try o.multiplying(hOut.apply(c)), c]
            }
            return [y, finals[0], finals[1]]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("recurrent layers are not channel-pruned") }
    }
}
