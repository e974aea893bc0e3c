import TensorCore

/// Classification cross-entropy with PyTorch's label smoothing ε: the target is
/// `(1 − ε)·onehot(y) + ε/K`, so `ℓ = −Σ_k q_k log softmax(x)_k`. Built from TensorCore ops,
/// so the loss records on the tape and gradients reach the logits.
public struct CrossEntropy: Codable, Equatable, Sendable {
    /// ε in [0, 1] (PyTorch's `label_smoothing`, default 0).
    public var labelSmoothing: Double

    public init(labelSmoothing: Double = 0) throws {
        try requireHyperparameter(labelSmoothing, 0...1, owner: "cross-entropy", name: "labelSmoothing")
        self.labelSmoothing = labelSmoothing
    }

    /// Per-sample losses (N) for logits (N, K) and integer labels (N) in 0..<K.
    public func losses(logits: Tensor, labels: Tensor) throws -> Tensor {
        let target = try Self.smoothedTargets(labels: labels, logits: logits, smoothing: labelSmoothing, objective: "cross-entropy")
        let logProbabilities = try logits.logSoftmax(axis: 1)
        return try logProbabilities.multiplying(target).sum(axes: [1]).multiplying(-1)
    }

    /// The mean loss over the batch (a scalar; PyTorch's `reduction='mean'`).
    public func loss(logits: Tensor, labels: Tensor) throws -> Tensor {
        try losses(logits: logits, labels: labels).mean()
    }

    /// Checks logits (N, K) against labels (N) and returns the constant target (N, K) in the logits' dtype.
    static func smoothedTargets(labels: Tensor, logits: Tensor, smoothing: Double, objective: String) throws -> Tensor {
        guard logits.rank == 2, logits.dtype.isFloatingCompute else {
            throw TrainingError.objectiveMismatch(objective: objective, detail: "logits must be float32/float64 of shape (N, K), got \(logits.dtype)\(logits.shape); flatten the model output to (N, classes)")
        }
        let n = logits.shape[0], k = logits.shape[1]
        guard k >= 1 else {
            throw TrainingError.objectiveMismatch(objective: objective, detail: "logits of shape \(logits.shape) have no classes")
        }
        guard labels.shape == [n] else {
            throw TrainingError.objectiveMismatch(objective: objective, detail: "labels must have shape [\(n)] to match logits \(logits.shape), got \(labels.shape)")
        }
        let values: [Int]
        switch labels.dtype {
        case .int64: values = try labels.scalars(Int64.self).map { Int($0) }
        case .int32: values = try labels.scalars(Int32.self).map { Int($0) }
        default:
            throw TrainingError.objectiveMismatch(objective: objective, detail: "labels must be int64 or int32 class indices, got \(labels.dtype)")
        }
        let off = smoothing / Double(k), on = 1 - smoothing + off
        var target = [Double](repeating: off, count: n * k)
        for (row, label) in values.enumerated() {
            guard label >= 0 && label < k else {
                throw TrainingError.objectiveMismatch(objective: objective, detail: "label \(label) of sample \(row) is outside 0..<\(k); the model has \(k) classes")
            }
            target[row * k + label] = on
        }
        return try Tensor(shape: [n, k], scalars: target).cast(to: logits.dtype)
    }
}
