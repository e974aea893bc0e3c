/// The fixed metric names every log, table and report uses (`metrics.jsonl`, the run store).
/// A metric logged under another spelling would not line up across runs, so these are the only
/// spellings the trainer and recipes write.
public enum MetricName: String, CaseIterable, Sendable, Codable {
    /// Mean per-sample training loss since the last record.
    case trainLoss = "train/loss"
    /// Top-1 accuracy on the training batches since the last record.
    case trainAccuracy = "train/accuracy"
    /// Mean per-sample loss on the evaluation set.
    case testLoss = "test/loss"
    /// Top-1 accuracy on the evaluation set.
    case testAccuracy = "test/accuracy"
    /// Learning rate in effect at the step.
    case learningRate = "lr"
}
