import TensorCore

extension Ops {
    /// ONNX NegativeLogLikelihoodLoss: input (N, C, d…) of log-probabilities, target (N, d…)
    /// class indices, optional weight (C). loss = −input[n, target, d…]·weight[target], 0 where
    /// target = `ignore_index`; `reduction` none, sum, or mean (divided by the summed weights of
    /// the counted elements). Composed of gathers and arithmetic, so gradients reach input and weight.
    public struct NegativeLogLikelihoodLoss: Operator {
        public static let opType = "NegativeLogLikelihoodLoss"
        public static let versions = [12, 13, 22]
        let settings: LossSettings

        public init(node: Node, version: Int) throws {
            settings = try LossSettings(node: node)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let input = try context.required(inputs, 0, "input")
            let target = try context.required(inputs, 1, "target")
            let weight = inputs.count > 2 ? inputs[2] : nil
            return [try Self.loss(input, target: target, weight: weight, settings: settings, context: context)]
        }

        /// The loss of log-probabilities `input` (Float16 is computed in Float32).
        static func loss(_ input: Tensor, target: Tensor, weight: Tensor?, settings: LossSettings, context: OperatorContext) throws -> Tensor {
            guard input.dtype.isFloatingPoint else { throw context.invalid("input", "must be floating point, got \(input.dtype)") }
            if input.dtype == .float16 {
                return try loss(input.cast(to: .float32), target: target, weight: weight?.cast(to: .float32), settings: settings, context: context)
                    .cast(to: .float16)
            }
            guard input.rank >= 2, target.rank == input.rank - 1,
                  target.shape == [input.shape[0]] + Array(input.shape.dropFirst(2)) else {
                throw context.invalid("target", "input (N, C, d…) \(input.shape) needs target (N, d…), got \(target.shape)")
            }
            guard target.dtype == .int64 || target.dtype == .int32 else {
                throw context.invalid("target", "must be int64 or int32, got \(target.dtype)")
            }
            let classes = input.shape[1]
            if let weight {
                guard weight.shape == [classes], weight.dtype == input.dtype else {
                    throw context.invalid("weight", "must be \(input.dtype) of shape [\(classes)], got \(weight.dtype) \(weight.shape)")
                }
            }
            let labels = try target.cast(to: .int64).scalars(Int64.self)
            var safe = [Int64](repeating: 0, count: labels.count)
            var counted = [Bool](repeating: true, count: labels.count)
            for (i, label) in labels.enumerated() {
                if let ignore = settings.ignoreIndex, label == Int64(ignore) { counted[i] = false; continue }
                guard label >= 0 && label < Int64(classes) else {
                    throw context.invalid("target", "class index \(label) is outside 0..<\(classes)")
                }
                safe[i] = label
            }
            let safeTarget = try Tensor(shape: target.shape, scalars: safe)
            let mask = try Tensor(shape: target.shape, scalars: counted).cast(to: input.dtype)
            let picked = try Ops.GatherElements.gather(input, safeTarget.unsqueezed(axes: [1]), axis: 1, context: context)
                .squeezed(axes: [1])
            let weights = try (weight.map { try $0.gathered(indices: safeTarget, axis: 0) } ?? Tensor(repeating: 1, shape: target.shape, dtype: input.dtype))
                .multiplying(mask)
            let losses = try picked.multiplying(weights).unary(.negate)
            switch settings.reduction {
            case .none: return losses
            case .sum: return try losses.sum()
            case .mean: return try losses.sum().dividing(weights.sum())
            }
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("a loss reduces over classes")
        }
    }
}

/// `reduction` and `ignore_index` of the loss operators.
struct LossSettings: Sendable {
    enum Reduction: String, Sendable { case none, sum, mean }
    let reduction: Reduction
    let ignoreIndex: Int?

    init(node: Node) throws {
        let raw = try node.string("reduction", default: "mean")
        guard let reduction = Reduction(rawValue: raw) else {
            throw node.invalid("reduction", "must be none, sum or mean, got '\(raw)'")
        }
        self.reduction = reduction
        ignoreIndex = try node.int("ignore_index")
    }
}
