/// One axis size of a value's declared shape: a number, a named symbol (e.g. "batch"), or unknown.
public enum Dimension: Hashable, Sendable, CustomStringConvertible {
    case known(Int)
    case symbolic(String)
    case unknown

    /// The size when it is a number.
    public var value: Int? {
        if case let .known(v) = self { return v }
        return nil
    }

    public var description: String {
        switch self {
        case let .known(v): return "\(v)"
        case let .symbolic(s): return s
        case .unknown: return "?"
        }
    }
}
