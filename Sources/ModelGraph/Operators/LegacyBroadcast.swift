import TensorCore

/// Opset-1/6 broadcasting of binary ops: without `broadcast` the shapes must be equal; with it,
/// B is placed onto A at `axis` (or right-aligned). From opset 7 NumPy rules apply and this
/// rule is inactive.
public struct LegacyBroadcast: Sendable {
    /// True for the versions that read `broadcast`/`axis`.
    let isActive: Bool
    let broadcast: Bool
    let axis: Int?

    init(node: Node, active: Bool) throws {
        isActive = active
        if active {
            broadcast = try node.int("broadcast", default: 0) != 0
            axis = try node.int("axis")
        } else {
            broadcast = false
            axis = nil
        }
    }

    /// B reshaped so that NumPy broadcasting places it onto A as the legacy rule says.
    func align(_ a: Tensor, _ b: Tensor, context: OperatorContext) throws -> Tensor {
        guard isActive else { return b }
        if !broadcast {
            guard a.shape == b.shape else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "broadcast",
                                                       detail: "shapes \(a.shape) and \(b.shape) differ and broadcast=0; set broadcast=1 or use opset ≥ 7")
            }
            return b
        }
        guard let axis else { return b }
        let start = axis < 0 ? axis + a.rank : axis
        let trailing = a.rank - start - b.rank
        guard start >= 0, trailing >= 0 else {
            throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "axis",
                                                   detail: "cannot place B \(b.shape) at axis \(axis) of A \(a.shape)")
        }
        return try b.reshaped(b.shape + [Int](repeating: 1, count: trailing))
    }
}
