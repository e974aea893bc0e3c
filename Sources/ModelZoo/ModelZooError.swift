/// A model the zoo cannot build with the options given, and what to change.
public enum ModelZooError: Error, CustomStringConvertible, Equatable {
    /// No model is registered under this name.
    case unknownModel(String, known: [String])
    /// An option value the model cannot take (size, channels, classes).
    case invalidOption(model: String, option: String, detail: String)

    public var description: String {
        switch self {
        case let .unknownModel(name, known):
            return "no zoo model named '\(name)'; known models: \(known.joined(separator: ", "))"
        case let .invalidOption(model, option, detail):
            return "\(model): --\(option) \(detail)"
        }
    }
}
