import Datasets

/// What one training sample did in one step: its loss, whether the top-1 prediction was right,
/// and the logits margin (true-class logit minus the largest other logit), keyed by sample id
/// so EL2N, forgetting and per-epoch resampling can follow samples across epochs.
public struct SampleRecord: Sendable, Equatable {
    public let id: SampleID
    public let loss: Double
    public let correct: Bool
    public let margin: Double
}

/// One finished optimizer step.
public struct StepRecord: Sendable {
    /// The step just taken (0-based); `Trainer.step` is already `step + 1`.
    public let step: Int
    /// The epoch the batch came from and its index there.
    public let epoch: Int
    public let batch: Int
    /// Batch mean loss and top-1 accuracy.
    public let loss: Double
    public let accuracy: Double
    public let learningRate: Double
    public let samples: [SampleRecord]
}

/// Top-1 accuracy and mean loss over an evaluation set.
public struct Evaluation: Sendable, Equatable {
    /// The step after which it was measured.
    public let step: Int
    public let loss: Double
    public let accuracy: Double
    public let sampleCount: Int
}

/// Hooks into the training loop (gradual pruning, EL2N, forgetting, RS2 resampling, logging).
/// Every requirement has an empty default, so a conformer implements only what it needs; a
/// callback may change the trainer's masks or weights between steps.
public protocol TrainerCallback: AnyObject {
    /// Before step `step` draws its batch.
    func trainerWillBeginStep(_ trainer: Trainer, step: Int) throws
    /// After the optimizer step and the masks.
    func trainerDidEndStep(_ trainer: Trainer, record: StepRecord) throws
    /// After the last step of epoch `epoch` (0-based).
    func trainerDidEndEpoch(_ trainer: Trainer, epoch: Int) throws
    /// After an evaluation.
    func trainerDidEvaluate(_ trainer: Trainer, evaluation: Evaluation) throws
}

extension TrainerCallback {
    public func trainerWillBeginStep(_ trainer: Trainer, step: Int) throws {}
    public func trainerDidEndStep(_ trainer: Trainer, record: StepRecord) throws {}
    public func trainerDidEndEpoch(_ trainer: Trainer, epoch: Int) throws {}
    public func trainerDidEvaluate(_ trainer: Trainer, evaluation: Evaluation) throws {}
}
