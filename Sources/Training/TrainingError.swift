/// What went wrong while setting up or running training: which parameter, schedule or batch,
/// and what to do about it.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A hyperparameter outside the range the method accepts.
    case invalidHyperparameter(owner: String, name: String, detail: String)
    /// Optimizer state that does not fit its parameter (shape, dtype, kind).
    case stateMismatch(parameter: String, detail: String)
    /// A parameter whose dtype the optimizer cannot update.
    case unsupportedParameter(parameter: String, detail: String)
    /// Logits, labels or teacher outputs that do not fit together.
    case objectiveMismatch(objective: String, detail: String)
    /// Stored state (snapshot, optimizer state) that cannot be decoded.
    case corruptState(detail: String)
    /// Model, data and settings that do not fit together, found before the first step.
    case setup(detail: String)
    /// A snapshot that cannot be written, read or applied to this run.
    case snapshot(path: String, detail: String)

    public var description: String {
        switch self {
        case let .invalidHyperparameter(owner, name, detail):
            return "\(owner): \(name) \(detail)"
        case let .stateMismatch(parameter, detail):
            return "optimizer state of parameter '\(parameter)': \(detail); reset the optimizer state or slice it together with the parameter"
        case let .unsupportedParameter(parameter, detail):
            return "parameter '\(parameter)': \(detail)"
        case let .objectiveMismatch(objective, detail):
            return "\(objective): \(detail)"
        case let .corruptState(detail):
            return "stored training state is unreadable: \(detail)"
        case let .setup(detail):
            return "training setup: \(detail)"
        case let .snapshot(path, detail):
            return "snapshot \(path): \(detail)"
        }
    }
}
