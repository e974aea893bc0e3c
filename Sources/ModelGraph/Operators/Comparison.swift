import TensorCore

/// A binary comparison with a Bool result (Equal, Less, Greater, LessOrEqual, GreaterOrEqual):
/// NumPy broadcasting, and opset 1's `broadcast`/`axis` form where the schema has it.
public protocol ComparisonOperator: Operator {
    /// The tensor-core comparison this op applies.
    static var comparison: CompareOp { get }
    /// Opset-1 broadcasting rule (inactive from opset 7).
    var legacy: LegacyBroadcast { get }
}

extension ComparisonOperator {
    public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
        let a = try context.required(inputs, 0, "A")
        let b = try legacy.align(a, context.required(inputs, 1, "B"), context: context)
        return [try a.compare(Self.comparison, b)]
    }

    public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
}
