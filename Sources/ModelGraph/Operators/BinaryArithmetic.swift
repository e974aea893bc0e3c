import TensorCore

/// Shared parsing for Add/Sub/Mul/Div: opset-6 `broadcast`/`axis` attributes, NumPy
/// broadcasting from opset 7.
struct BinaryArithmetic: Sendable {
    let op: BinaryOp
    /// Opset 6: B is broadcast onto A starting at `axis` (nil: NumPy rules or equal shapes).
    let legacyAxis: Int?
    let legacyBroadcast: Bool
    let version: Int

    init(node: Node, version: Int, op: BinaryOp) throws {
        self.op = op
        self.version = version
        if version < 7 {
            legacyBroadcast = try node.int("broadcast", default: 0) != 0
            legacyAxis = try node.int("axis")
        } else {
            legacyBroadcast = false
            legacyAxis = nil
        }
    }

    func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
        let a = try context.required(inputs, 0, "A")
        var b = try context.required(inputs, 1, "B")
        if version < 7 {
            if !legacyBroadcast {
                guard a.shape == b.shape else {
                    throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "broadcast",
                                                           detail: "shapes \(a.shape) and \(b.shape) differ and broadcast=0")
                }
            } else if let axis = legacyAxis {
                let start = axis < 0 ? axis + a.rank : axis
                let trailing = a.rank - start - b.rank
                guard start >= 0, trailing >= 0 else {
                    throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "axis",
                                                           detail: "cannot place B \(b.shape) at axis \(axis) of A \(a.shape)")
                }
                b = try b.reshaped(b.shape + [Int](repeating: 1, count: trailing))
            }
        }
        return [try a.binary(op, b)]
    }
}
