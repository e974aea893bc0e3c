import TensorCore

extension Ops {
    /// ONNX GRU with gates z, r, h: z = f(…), r = f(…), h̃ = g(X·Whᵀ + (r ⊙ H)·Rhᵀ + biases) (or
    /// r ⊙ (H·Rhᵀ + Rbh) with `linear_before_reset`), H = (1 − z) ⊙ h̃ + z ⊙ H; f = Sigmoid and
    /// g = Tanh by default. Directions, sequence lengths, initial state and layout as RNN.
    public struct GRU: Operator {
        public static let opType = "GRU"
        public static let versions = [7, 14]
        let network: RecurrentNetwork
        let linearBeforeReset: Bool

        public init(node: Node, version: Int) throws {
            network = try RecurrentNetwork(node: node, version: version, defaults: ["Sigmoid", "Tanh"])
            linearBeforeReset = try node.int("linear_before_reset", default: 0) != 0
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            var parsed = try network.inputs(inputs, gates: 3, context: context)
            let h = network.hiddenSize
            // The candidate gate keeps its recurrent bias apart when linear_before_reset is set.
            var recurrentCandidateBias: Tensor?
            if let b = inputs.count > 3 ? inputs[3] : nil {
                let input = try b.sliced(starts: [0], ends: [3 * h], axes: [1])
                let recurrent = try b.sliced(starts: [3 * h], ends: [6 * h], axes: [1])
                let zr = try input.sliced(starts: [0], ends: [2 * h], axes: [1]).adding(recurrent.sliced(starts: [0], ends: [2 * h], axes: [1]))
                let candidateInput = try input.sliced(starts: [2 * h], ends: [3 * h], axes: [1])
                let candidateRecurrent = try recurrent.sliced(starts: [2 * h], ends: [3 * h], axes: [1])
                if linearBeforeReset {
                    parsed.bias = try Tensor.concat([zr, candidateInput], axis: 1)
                    recurrentCandidateBias = candidateRecurrent
                } else {
                    parsed.bias = try Tensor.concat([zr, candidateInput.adding(candidateRecurrent)], axis: 1)
                }
            }
            let recurrences = try (0..<network.directionCount).map { try network.recurrence(parsed.r, $0, gates: 3) }
            let (y, finals) = try network.unroll(parsed, gates: 3, initialStates: [parsed.initialH]) { d, projected, states in
                let previous = states[0]
                let rzr = try recurrences[d].sliced(starts: [0], ends: [2 * h], axes: [1])
                let rh = try recurrences[d].sliced(starts: [2 * h], ends: [3 * h], axes: [1])
                let f = network.activations[d][0], g = network.activations[d][1]
                let zrPre = try network.gate(projected, 0).adding(previous.matmul(rzr.sliced(starts: [0], ends: [h], axes: [1])))
                let rPre = try network.gate(projected, 1).adding(previous.matmul(rzr.sliced(starts: [h], ends: [2 * h], axes: [1])))
                let z = try f.apply(network.clipped(zrPre)), r = try f.apply(network.clipped(rPre))
                let candidatePre: Tensor
                if linearBeforeReset {
                    var recurrent = try previous.matmul(rh)
                    if let bias = recurrentCandidateBias { recurrent = try recurrent.adding(bias.sliced(starts: [d], ends: [d + 1], axes: [0])) }
                    candidatePre = try network.gate(projected, 2).adding(r.multiplying(recurrent))
                } else {
                    candidatePre = try network.gate(projected, 2).adding(r.multiplying(previous).matmul(rh))
                }
                let candidate = try g.apply(network.clipped(candidatePre))
                let keep = try z.multiplying(previous)
                return [try candidate.subtracting(z.multiplying(candidate)).adding(keep)]
            }
            return [y, finals[0]]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("recurrent layers are not channel-pruned") }
    }
}
