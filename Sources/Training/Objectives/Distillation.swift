import TensorCore

/// Knowledge distillation (Hinton et al.): `(1 − α)·CE(s, y) + α·T²·KL(softmax(t/T) ‖ softmax(s/T))`
/// with the KL divergence summed over classes and averaged over the batch (PyTorch's
/// `kl_div(..., reduction='batchmean')`). The teacher's logits are constants.
public struct Distillation: Codable, Equatable, Sendable {
    /// α in [0, 1]: the weight of the teacher term.
    public var alpha: Double
    /// T > 0: the softening temperature.
    public var temperature: Double
    /// The label term (label smoothing applies to it only).
    public var crossEntropy: CrossEntropy

    public init(alpha: Double, temperature: Double, crossEntropy: CrossEntropy = CrossEntropy.plain) throws {
        try requireHyperparameter(alpha, 0...1, owner: "distillation", name: "alpha")
        guard temperature > 0 && temperature.isFinite else {
            throw TrainingError.invalidHyperparameter(owner: "distillation", name: "temperature", detail: "must be positive, got \(temperature)")
        }
        self.alpha = alpha
        self.temperature = temperature
        self.crossEntropy = crossEntropy
    }

    /// Per-sample losses (N) for student and teacher logits (N, K) and labels (N).
    public func losses(student: Tensor, teacher: Tensor, labels: Tensor) throws -> Tensor {
        guard teacher.shape == student.shape else {
            throw TrainingError.objectiveMismatch(objective: "distillation", detail: "the teacher's logits \(teacher.shape) differ from the student's \(student.shape); the teacher must have the same number of classes")
        }
        let label = try crossEntropy.losses(logits: student, labels: labels)
        let inverse = 1 / temperature
        let teacherLog = try noGrad { try teacher.detached().cast(to: student.dtype).multiplying(inverse).logSoftmax(axis: 1) }
        let teacherProbabilities = try noGrad { try teacherLog.exp() }
        let studentLog = try student.multiplying(inverse).logSoftmax(axis: 1)
        // Σ p_t (log p_t − log p_s); p_t·log p_t is finite because log p_t comes from logSoftmax.
        let divergence = try teacherProbabilities.multiplying(teacherLog.subtracting(studentLog)).sum(axes: [1])
        let soft = try divergence.multiplying(alpha * temperature * temperature)
        return try label.multiplying(1 - alpha).adding(soft)
    }

    /// The batch mean of `losses`.
    public func loss(student: Tensor, teacher: Tensor, labels: Tensor) throws -> Tensor {
        try losses(student: student, teacher: teacher, labels: labels).mean()
    }
}

extension CrossEntropy {
    /// Cross-entropy without label smoothing.
    public static var plain: CrossEntropy { CrossEntropy(unchecked: 0) }

    private init(unchecked labelSmoothing: Double) { self.labelSmoothing = labelSmoothing }
}
