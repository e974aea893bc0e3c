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
            // The teacher may name its image input differently from the student.
            let teacherInputs = teacher.graph.inputs.filter { teacher.graph.parameter(named: $0.name) == nil }
            guard teacherInputs.count == 1, let images = inputs.values.first, inputs.count == 1 else {
                throw TrainingError.objectiveMismatch(objective: "distillation", detail: "the teacher must take one image input, it has \(teacherInputs.map(\.name))")
            }
            let outputs = try teacher.run([teacherInputs[0].name: images], training: false)
            guard let teacherLogits = outputs[output] else {
                throw TrainingError.objectiveMismatch(objective: "distillation", detail: "the teacher has no output '\(output)'; it has \(outputs.keys.sorted())")
            }
            return try objective.losses(student: logits, teacher: teacherLogits, labels: labels)
        }
    }
}
