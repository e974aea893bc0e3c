import TensorCore

extension Ops {
    /// ONNX GreaterOrEqual: A ≥ B elementwise with broadcasting, a Bool result.
    public struct GreaterOrEqual: ComparisonOperator {
        public static let opType = "GreaterOrEqual"
        public static let versions = [12, 16]
        public static let comparison = CompareOp.greaterOrEqual
        public let legacy: LegacyBroadcast

        public init(node: Node, version: Int) throws {
            legacy = try LegacyBroadcast(node: node, active: false)
        }
    }
}
