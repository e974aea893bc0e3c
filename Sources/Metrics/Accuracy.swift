import TensorCore

/// Top-1 accuracy and mean loss accumulated over evaluation batches (Float64 sums, so the order
/// of batches changes nothing beyond rounding of the final division).
public struct ClassificationTally: Sendable, Equatable {
    public private(set) var samples = 0
    public private(set) var correct = 0
    public private(set) var lossSum = 0.0

    public init() {}

    /// Top-1 accuracy so far (0 before any sample).
    public var accuracy: Double { samples == 0 ? 0 : Double(correct) / Double(samples) }
    /// Mean per-sample loss so far (0 before any sample).
    public var meanLoss: Double { samples == 0 ? 0 : lossSum / Double(samples) }

    /// Adds a batch: logits (N, K), integer labels (N), and the batch's per-sample losses (N) or
    /// their mean (one value, weighted by N).
    public mutating func add(logits: Tensor, labels: [Int], losses: [Double]) throws {
        let hits = try Self.correct(logits: logits, labels: labels)
        guard losses.count == labels.count || losses.count == 1 else {
            throw MetricsError.shapeMismatch("\(losses.count) losses for a batch of \(labels.count)")
        }
        samples += labels.count
        correct += hits.filter { $0 }.count
        lossSum += losses.count == 1 ? losses[0] * Double(labels.count) : losses.reduce(0, +)
    }

    /// Whether each sample's largest logit is its label (the first maximum wins ties, as argmax does).
    public static func correct(logits: Tensor, labels: [Int]) throws -> [Bool] {
        guard logits.rank == 2, logits.shape[0] == labels.count else {
            throw MetricsError.shapeMismatch("logits of shape \(logits.shape) for \(labels.count) labels; expected (N, classes)")
        }
        let classes = logits.shape[1]
        let values = logits.doubles()
        var result: [Bool] = []
        result.reserveCapacity(labels.count)
        for (n, label) in labels.enumerated() {
            guard label >= 0 && label < classes else { throw MetricsError.invalidLabel(index: n, label: label, classes: classes) }
            var best = 0
            for k in 1..<max(classes, 1) where values[n * classes + k] > values[n * classes + best] { best = k }
            result.append(best == label)
        }
        return result
    }
}
