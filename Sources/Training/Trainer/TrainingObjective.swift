import ModelGraph
import TensorCore

/// The loss a trainer minimises: cross-entropy on the labels, or distillation from a teacher
/// graph run in inference mode on the same (augmented, normalised) batch.
public enum TrainingObjective {
    case crossEntropy(CrossEntropy)
    case distillation(Distillation, teacher: Executor, teacherOutput: String)

    /// Per-sample losses (N) for the student's logits (N, K).
    func losses(logits: Tensor, labels: Tensor, inputs: [String: Tensor]) throws -> Tensor {
        switch self {
        case let .crossEntropy(objective):
            return try objective.losses(logits: logits, labels: labels)
        case let .distillation(objective, teacher, output):
            let outputs = try teacher.run(inputs, training: false)
            guard let teacherLogits = outputs[output] else {
                throw TrainingError.objectiveMismatch(objective: "distillation", detail: "the teacher has no output '\(output)'; it has \(outputs.keys.sorted())")
            }
            return try objective.losses(student: logits, teacher: teacherLogits, labels: labels)
        }
    }
}
