import TensorCore

/// Shared body of RNN, GRU and LSTM: attribute parsing (direction, hidden_size, activations
/// with their alpha/beta, clip, layout), input checks, and the time loop. Every step is built
/// from tensor-core functions (matmul, slices, activations), so the tape records the unrolled
/// network and gradients reach W, R, B, the initial states and X.
struct RecurrentNetwork: Sendable {
    enum Direction: String, Sendable { case forward, reverse, bidirectional }

    /// One gate activation with its parameters (ONNX's activation names).
    enum Activation: Sendable {
        case sigmoid, tanh, relu, softsign, softplus
        case leakyRelu(Double), thresholdedRelu(Double), elu(Double)
        case hardSigmoid(Double, Double), affine(Double, Double), scaledTanh(Double, Double)

        func apply(_ x: Tensor) throws -> Tensor {
            switch self {
            case .sigmoid: return try x.unary(.sigmoid)
            case .tanh: return try x.unary(.tanh)
            case .relu: return try x.unary(.relu)
            case .softsign: return try x.dividing(x.unary(.abs).adding(1))
            case .softplus: return try x.unary(.softplus)
            case let .leakyRelu(alpha): return try x.unary(.leakyRelu(alpha: alpha))
            case let .thresholdedRelu(alpha): return try Tensor.where(x.compare(.greater, x.scalarLike(alpha)), x, x.scalarLike(0))
            case let .elu(alpha): return try ActivationMath.elu(x, alpha: alpha)
            case let .hardSigmoid(alpha, beta): return try x.unary(.hardSigmoid(alpha: alpha, beta: beta))
            case let .affine(alpha, beta): return try x.multiplying(alpha).adding(beta)
            case let .scaledTanh(alpha, beta): return try x.multiplying(beta).unary(.tanh).multiplying(alpha)
            }
        }
    }

    let direction: Direction
    let hiddenSize: Int
    /// Per direction, the op's activations in schema order (RNN 1, GRU 2, LSTM 3).
    let activations: [[Activation]]
    let clip: Double?
    let batchMajor: Bool

    init(node: Node, version: Int, defaults: [String]) throws {
        let rawDirection = try node.string("direction", default: "forward")
        guard let direction = Direction(rawValue: rawDirection) else {
            throw node.invalid("direction", "must be forward, reverse or bidirectional, got '\(rawDirection)'")
        }
        self.direction = direction
        guard let hidden = try node.int("hidden_size"), hidden >= 1 else { throw node.invalid("hidden_size", "a positive hidden_size is required") }
        hiddenSize = hidden
        let directions = direction == .bidirectional ? 2 : 1
        let names = try node.strings("activations") ?? (0..<directions).flatMap { _ in defaults }
        guard names.count == defaults.count * directions else {
            throw node.invalid("activations", "needs \(defaults.count) per direction (\(defaults.count * directions)), got \(names)")
        }
        var alphas = try node.floats("activation_alpha") ?? []
        var betas = try node.floats("activation_beta") ?? []
        var parsed: [Activation] = []
        for name in names {
            func alpha(_ fallback: Double) -> Double { alphas.isEmpty ? fallback : alphas.removeFirst() }
            func beta(_ fallback: Double) -> Double { betas.isEmpty ? fallback : betas.removeFirst() }
            switch name.lowercased() {
            case "sigmoid": parsed.append(.sigmoid)
            case "tanh": parsed.append(.tanh)
            case "relu": parsed.append(.relu)
            case "softsign": parsed.append(.softsign)
            case "softplus": parsed.append(.softplus)
            case "leakyrelu": parsed.append(.leakyRelu(alpha(0.01)))
            case "thresholdedrelu": parsed.append(.thresholdedRelu(alpha(1)))
            case "elu": parsed.append(.elu(alpha(1)))
            case "hardsigmoid": parsed.append(.hardSigmoid(alpha(0.2), beta(0.5)))
            case "affine": parsed.append(.affine(alpha(1), beta(0)))
            case "scaledtanh": parsed.append(.scaledTanh(alpha(1), beta(1)))
            default: throw node.invalid("activations", "unknown activation '\(name)'")
            }
        }
        activations = (0..<directions).map { Array(parsed[($0 * defaults.count)..<(($0 + 1) * defaults.count)]) }
        clip = try node.float("clip")
        let layout = try node.int("layout", default: 0)
        batchMajor = version >= 14 && layout != 0
    }

    var directionCount: Int { direction == .bidirectional ? 2 : 1 }

    /// Pre-activation clipping, when `clip` is set.
    func clipped(_ x: Tensor) throws -> Tensor {
        guard let clip else { return x }
        return try x.unary(.clip(min: -clip, max: clip))
    }

    /// The common inputs, checked: X as (seq, batch, input), W (dirs, gates·H, input),
    /// R (dirs, gates·H, H), the summed bias per direction (dirs, gates·H) or nil, lengths, and
    /// initial_h as (dirs, batch, H) or nil.
    struct Inputs {
        var x: Tensor
        var w: Tensor
        var r: Tensor
        var bias: Tensor?
        var lengths: [Int]?
        var initialH: Tensor?
    }

    func inputs(_ raw: [Tensor?], gates: Int, context: OperatorContext) throws -> Inputs {
        var x = try context.required(raw, 0, "X")
        let w = try context.required(raw, 1, "W"), r = try context.required(raw, 2, "R")
        guard x.dtype.isFloatingCompute, w.dtype == x.dtype, r.dtype == x.dtype else {
            throw context.invalid("X/W/R", "must be float32 or float64 of one dtype; got \(x.dtype), \(w.dtype), \(r.dtype)")
        }
        guard x.rank == 3 else { throw context.invalid("X", "must be rank 3, got \(x.shape)") }
        if batchMajor { x = try x.transposed(permutation: [1, 0, 2]) }
        let dirs = directionCount, h = hiddenSize, input = x.shape[2], batch = x.shape[1]
        guard w.shape == [dirs, gates * h, input], r.shape == [dirs, gates * h, h] else {
            throw context.invalid("W/R", "need W \([dirs, gates * h, input]) and R \([dirs, gates * h, h]); got \(w.shape) and \(r.shape)")
        }
        var bias: Tensor?
        if raw.count > 3, let b = raw[3] {
            guard b.shape == [dirs, 2 * gates * h], b.dtype == x.dtype else {
                throw context.invalid("B", "must be \(x.dtype) \([dirs, 2 * gates * h]), got \(b.dtype) \(b.shape)")
            }
            bias = try b.sliced(starts: [0], ends: [gates * h], axes: [1]).adding(b.sliced(starts: [gates * h], ends: [2 * gates * h], axes: [1]))
        }
        var lengths: [Int]?
        if let values = try context.optionalIntegers(raw, 4, "sequence_lens") {
            guard values.count == batch, values.allSatisfy({ $0 >= 0 && $0 <= x.shape[0] }) else {
                throw context.invalid("sequence_lens", "needs \(batch) lengths within 0...\(x.shape[0]), got \(values)")
            }
            lengths = values
        }
        let initialH = try state(raw, 5, "initial_h", batch: batch, dtype: x.dtype, context: context)
        return Inputs(x: x, w: w, r: r, bias: bias, lengths: lengths, initialH: initialH)
    }

    /// An optional initial state input as (dirs, batch, H) (batch-major layout transposed).
    func state(_ raw: [Tensor?], _ index: Int, _ name: String, batch: Int, dtype: DType, context: OperatorContext) throws -> Tensor? {
        guard index < raw.count, var s = raw[index] else { return nil }
        if batchMajor { s = try s.transposed(permutation: [1, 0, 2]) }
        guard s.shape == [directionCount, batch, hiddenSize], s.dtype == dtype else {
            throw context.invalid(name, "must be \(dtype) \([directionCount, batch, hiddenSize]), got \(s.dtype) \(s.shape)")
        }
        return s
    }

    /// Runs `step` over time for every direction. `step(direction, x_t·Wᵀ + bias, states)`
    /// returns the new states; state 0 is the hidden state H. Returns Y (seq, dirs, batch, H)
    /// and the final states, each (dirs, batch, H), in the op's layout.
    func unroll(_ inputs: Inputs, gates: Int, initialStates: [Tensor?],
                step: (Int, Tensor, [Tensor]) throws -> [Tensor]) throws -> (y: Tensor, finals: [Tensor]) {
        let x = inputs.x
        let steps = x.shape[0], batch = x.shape[1], h = hiddenSize
        var perDirectionY: [Tensor] = []
        var finals: [[Tensor]] = Array(repeating: [], count: initialStates.count)
        for d in 0..<directionCount {
            let w = try inputs.w.sliced(starts: [d], ends: [d + 1], axes: [0]).reshaped([gates * h, x.shape[2]])
            var projected = try x.reshaped([steps * batch, x.shape[2]]).matmul(w.transposed(permutation: [1, 0]))
            if let bias = inputs.bias { projected = try projected.adding(bias.sliced(starts: [d], ends: [d + 1], axes: [0])) }
            projected = try projected.reshaped([steps, batch, gates * h])
            var states = try initialStates.map { initial in
                try initial.map { try $0.sliced(starts: [d], ends: [d + 1], axes: [0]).reshaped([batch, h]) }
                    ?? Tensor(zeros: [batch, h], dtype: x.dtype)
            }
            var outputs = [Tensor?](repeating: nil, count: steps)
            let reverse = direction == .reverse || (direction == .bidirectional && d == 1)
            for t in (reverse ? Array((0..<steps).reversed()) : Array(0..<steps)) {
                let input = try projected.sliced(starts: [t], ends: [t + 1], axes: [0]).reshaped([batch, gates * h])
                let next = try step(d, input, states)
                if let lengths = inputs.lengths {
                    // Past a sequence's end its state is held and its output is zero.
                    let active = try Tensor(shape: [batch, 1], scalars: lengths.map { t < $0 })
                    let zero = Tensor(zeros: [], dtype: x.dtype)
                    states = try zip(next, states).map { try Tensor.where(active, $0, $1) }
                    outputs[t] = try Tensor.where(active, next[0], zero)
                } else {
                    states = next
                    outputs[t] = next[0]
                }
            }
            let stacked = try Tensor.concat(outputs.map { try ($0 ?? Tensor(zeros: [batch, h], dtype: x.dtype)).reshaped([1, 1, batch, h]) }, axis: 0)
            perDirectionY.append(stacked)
            for (k, s) in states.enumerated() { finals[k].append(try s.reshaped([1, batch, h])) }
        }
        let y = steps == 0 ? Tensor(zeros: [0, directionCount, batch, h], dtype: x.dtype) : try Tensor.concat(perDirectionY, axis: 1)
        var finalStates = try finals.map { try Tensor.concat($0, axis: 0) }
        if batchMajor {
            finalStates = try finalStates.map { try $0.transposed(permutation: [1, 0, 2]) }
            return (try y.transposed(permutation: [2, 0, 1, 3]), finalStates)
        }
        return (y, finalStates)
    }

    /// Rows [gate·H, (gate+1)·H) of a (batch, gates·H) tensor.
    func gate(_ t: Tensor, _ index: Int) throws -> Tensor {
        try t.sliced(starts: [index * hiddenSize], ends: [(index + 1) * hiddenSize], axes: [1])
    }

    /// R of direction d as (H, gates·H) for H·Rᵀ.
    func recurrence(_ r: Tensor, _ d: Int, gates: Int) throws -> Tensor {
        try r.sliced(starts: [d], ends: [d + 1], axes: [0]).reshaped([gates * hiddenSize, hiddenSize]).transposed(permutation: [1, 0])
    }
}
