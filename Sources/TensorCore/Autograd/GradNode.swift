import Synchronization

/// Monotonic ids give the tape order: a node is always newer than the nodes it reads.
private let nodeCounter = Atomic<Int>(0)

/// One recorded operation on the tape: its inputs' nodes and how to map the output gradient to
/// input gradients. Leaves point at a `Parameter` and accumulate into it.
public final class GradNode: @unchecked Sendable {
    /// Position on the tape; larger ids were recorded later.
    public let id: Int
    /// The operation's name, for error messages.
    public let op: String
    let inputs: [GradNode?]
    let backwardFunction: ((Tensor) throws -> [Tensor?])?
    weak var parameter: Parameter?

    init(op: String, inputs: [GradNode?], backward: ((Tensor) throws -> [Tensor?])?, parameter: Parameter? = nil) {
        self.id = nodeCounter.wrappingAdd(1, ordering: .relaxed).newValue
        self.op = op
        self.inputs = inputs
        self.backwardFunction = backward
        self.parameter = parameter
    }

    /// The nodes of the inputs this operation recorded (nil for an input not on the tape), for
    /// walks over the tape such as finding which parameters a loss can reach.
    public var inputNodes: [GradNode?] { inputs }

    /// The parameter this leaf accumulates into; nil for an operation.
    public var leafParameter: Parameter? { parameter }
}

extension Tensor {
    /// Links `self` (the output of `op`) to the tape when grad mode is on and any input is recorded.
    /// `backward` gets the output's gradient and returns one gradient (or nil) per input.
    public func recorded(_ op: String, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.gradNode != nil }) else { return self }
        var out = self
        out.gradNode = GradNode(op: op, inputs: inputs.map { $0.gradNode }, backward: backward)
        return out
    }

    /// Reverse-mode differentiation from this value: every reachable `Parameter` gets `∂self/∂p`
    /// added to its `grad` (gradients accumulate until `zeroGrad()`).
    /// `seed` is the incoming gradient; it defaults to 1 for a one-element tensor.
    public func backward(seed: Tensor? = nil) throws {
        guard let root = gradNode else {
            throw TensorError.autograd(detail: "backward() on a tensor that is not recorded on the tape; it depends on no parameter with requiresGrad, or was computed under noGrad")
        }
        let start: Tensor
        if let seed {
            guard seed.shape == shape else {
                throw TensorError.shapeMismatch(op: "backward", detail: "seed shape \(seed.shape) differs from output shape \(shape)")
            }
            start = try seed.detached().cast(to: dtype)
        } else {
            guard count == 1 else {
                throw TensorError.autograd(detail: "backward() without a seed needs a one-element output; got shape \(shape)")
            }
            start = Tensor(repeating: 1, shape: shape, dtype: dtype)
        }
        // Collect every node reachable from the root; tape order is descending id.
        var nodes: [GradNode] = []
        var seen = Set<ObjectIdentifier>()
        var stack = [root]
        while let node = stack.popLast() {
            guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
            nodes.append(node)
            for case let input? in node.inputs { stack.append(input) }
        }
        nodes.sort { $0.id > $1.id }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): start]
        try noGrad {
            for node in nodes {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                if let parameter = node.parameter {
                    try parameter.accumulateGradient(g)
                    continue
                }
                guard let backwardFunction = node.backwardFunction else { continue }
                let inputGrads = try backwardFunction(g)
                for (input, inputGrad) in zip(node.inputs, inputGrads) {
                    guard let input, let inputGrad else { continue }
                    let key = ObjectIdentifier(input)
                    if let existing = grads[key] {
                        grads[key] = try existing.adding(inputGrad)
                    } else {
                        grads[key] = inputGrad
                    }
                }
            }
        }
    }
}
