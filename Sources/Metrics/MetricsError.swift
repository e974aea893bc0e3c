/// Errors computing metrics: what did not fit, and what to do.
public enum MetricsError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(String)
    case invalidLabel(index: Int, label: Int, classes: Int)
    case unreadableFile(path: String, reason: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(detail):
            return "metrics: \(detail)"
        case let .invalidLabel(index, label, classes):
            return "metrics: label \(label) of sample \(index) is outside the model's \(classes) classes (0..<\(classes)); check that the dataset and the model agree"
        case let .unreadableFile(path, reason):
            return "metrics: cannot read \(path) (\(reason))"
        }
    }
}
