import ModelGraph
import TensorCore

/// Which trainable parameters a recorded loss can move. Walks the tape from the loss back to
/// its parameter leaves. A parameter is out of reach when every path from it to the loss runs
/// through an operation that records no gradient for it (ArgMax, a cast to an integer type,
/// comparisons, Shape: they leave the tape) or whose derivative is zero by definition
/// (`zeroDerivativeOperations`), or when the loss does not read it at all. Whether a gradient
/// is numerically zero on one batch (a dead ReLU, a zero-initialised BatchNormalization scale)
/// does not matter: only the structure of the recorded computation does.
enum GradientReach {
    /// Tape operations whose derivative is zero everywhere (TensorCore's unary `floor`, `ceil`,
    /// `round`, `sign`, `truncate`, as named on the tape): a gradient "flows" through them only
    /// as zeros, so they cut a path like an operation that is not recorded at all.
    static let zeroDerivativeOperations: Set<String> = ["floor", "ceil", "round", "sign", "truncate"]

    /// The names of the parameters whose leaves `loss` reaches through differentiable operations.
    static func reachedParameters(from loss: Tensor) -> Set<String> {
        guard let root = loss.gradNode else { return [] }
        var reached = Set<String>()
        var seen = Set<ObjectIdentifier>()
        var stack = [root]
        while let node = stack.popLast() {
            guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
            if let parameter = node.leafParameter { reached.insert(parameter.name); continue }
            if zeroDerivativeOperations.contains(node.op) { continue }
            for case let input? in node.inputNodes { stack.append(input) }
        }
        return reached
    }

    /// What reads `name` in `graph`, e.g. "ArgMax 'pick'", for the error message.
    static func readers(of name: String, in graph: Graph) -> [String] {
        graph.nodes.filter { $0.inputs.contains(name) }.map { "\($0.opType) '\($0.name)'" }
    }
}
