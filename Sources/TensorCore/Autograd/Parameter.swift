/// A named, trainable tensor with identity (DESIGN.md): optimizer state, masks and snapshots are
/// keyed by `name`, and updates land on this object, never on a copy.
public final class Parameter: @unchecked Sendable {
    /// Stable name, the ONNX initializer name for imported models.
    public let name: String
    /// Current value (never itself recorded on the tape).
    public var value: Tensor { didSet { value = value.detached() } }
    /// Accumulated gradient, same shape and dtype as `value`; nil until a backward pass reaches it.
    public var grad: Tensor?
    /// When false, `tensor` is a constant for autograd.
    public var requiresGrad: Bool

    private var leafNode: GradNode?

    public init(name: String, value: Tensor, requiresGrad: Bool = true) {
        self.name = name
        self.value = value.detached()
        self.requiresGrad = requiresGrad
    }

    /// The value as a tensor recorded on the tape (a leaf that accumulates into `grad`).
    public var tensor: Tensor {
        guard requiresGrad else { return value }
        let node: GradNode
        if let leafNode { node = leafNode } else {
            node = GradNode(op: "parameter \(name)", inputs: [], backward: nil, parameter: self)
            leafNode = node
        }
        var t = value
        t.gradNode = node
        return t
    }

    /// Drops the accumulated gradient.
    public func zeroGrad() { grad = nil }

    func accumulateGradient(_ g: Tensor) throws {
        guard g.shape == value.shape else {
            throw TensorError.shapeMismatch(op: "gradient of \(name)", detail: "gradient shape \(g.shape) differs from parameter shape \(value.shape)")
        }
        let gv = try g.detached().cast(to: value.dtype)
        if let grad {
            self.grad = try grad.adding(gv).detached()
        } else {
            self.grad = gv.materialized()
        }
    }
}
