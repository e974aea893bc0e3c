import TensorCore

/// Shared parsing for Add/Sub/Mul/Div: opset-6 `broadcast`/`axis` attributes, NumPy
/// broadcasting from opset 7.
struct BinaryArithmetic: Sendable {
    let op: BinaryOp
    let legacy: LegacyBroadcast

    init(node: Node, version: Int, op: BinaryOp) throws {
        self.op = op
        legacy = try LegacyBroadcast(node: node, active: version < 7)
    }

    func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
        let a = try context.required(inputs, 0, "A")
        let b = try legacy.align(a, context.required(inputs, 1, "B"), context: context)
        return [try a.binary(op, b)]
    }
}
