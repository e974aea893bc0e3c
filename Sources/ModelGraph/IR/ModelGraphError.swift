import TensorCore

/// Errors from graphs, operators and the executor; each names the node or value involved.
public enum ModelGraphError: Error, CustomStringConvertible {
    /// Operator/version pairs with no implementation, all listed at once.
    case unsupportedOperators([(opType: String, domain: String, version: Int, nodes: [String])])
    case invalidAttribute(node: String, attribute: String, detail: String)
    case invalidGraph(String)
    case missingInput(node: String, input: String)
    case unknownGraphInput(String, known: [String])
    case inputMismatch(input: String, detail: String)
    case operatorFailed(node: String, underlying: Error)

    public var description: String {
        switch self {
        case let .unsupportedOperators(list):
            let lines = list.map { item in
                let domain = item.domain.isEmpty ? "" : "\(item.domain)."
                let nodes = item.nodes.prefix(3).joined(separator: ", ") + (item.nodes.count > 3 ? ", … (\(item.nodes.count) nodes)" : "")
                return "  \(domain)\(item.opType) (opset \(item.version)): \(nodes)"
            }
            return "the model uses operators Winnow does not implement; nothing was run:\n" + lines.joined(separator: "\n")
                + "\nRe-export the model with a supported opset or without these operators."
        case let .invalidAttribute(node, attribute, detail):
            return "node \(node): attribute '\(attribute)': \(detail)"
        case let .invalidGraph(detail):
            return "invalid graph: \(detail)"
        case let .missingInput(node, input):
            return "node \(node): input '\(input)' is produced by no node, initializer or graph input"
        case let .unknownGraphInput(name, known):
            return "unknown graph input '\(name)'; the model's inputs are: \(known.joined(separator: ", "))"
        case let .inputMismatch(input, detail):
            return "graph input '\(input)': \(detail)"
        case let .operatorFailed(node, underlying):
            return "node \(node): \(underlying)"
        }
    }
}
