import Foundation

/// A length of training written as `8ep` (epochs) or `500it` (optimizer steps); it becomes a
/// step count only once the dataset size, and so the batches per epoch, is known
/// (METHODS.md, Time base).
public enum TrainingDuration: Codable, Equatable, Sendable, CustomStringConvertible {
    case epochs(Int)
    case steps(Int)

    /// Parses `8ep`, `500it` (a bare number is refused: the unit decides the budget).
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let unit: (Int) -> TrainingDuration
        let digits: Substring
        if trimmed.hasSuffix("ep") { unit = TrainingDuration.epochs; digits = trimmed.dropLast(2) }
        else if trimmed.hasSuffix("it") { unit = TrainingDuration.steps; digits = trimmed.dropLast(2) }
        else {
            throw TrainingError.invalidHyperparameter(owner: "duration", name: "'\(text)'", detail: "needs a unit: write e.g. '8ep' for epochs or '500it' for optimizer steps")
        }
        guard let count = Int(digits), count >= 0 else {
            throw TrainingError.invalidHyperparameter(owner: "duration", name: "'\(text)'", detail: "must be a non-negative whole number followed by 'ep' or 'it'")
        }
        self = unit(count)
    }

    /// Optimizer steps this duration takes with `batchesPerEpoch` batches in an epoch.
    public func steps(batchesPerEpoch: Int) -> Int {
        switch self {
        case let .epochs(n): return n * batchesPerEpoch
        case let .steps(n): return n
        }
    }

    public var description: String {
        switch self {
        case let .epochs(n): return "\(n)ep"
        case let .steps(n): return "\(n)it"
        }
    }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
