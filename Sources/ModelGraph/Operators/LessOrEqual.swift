import TensorCore

extension Ops {
    /// ONNX LessOrEqual: A ≤ B elementwise with broadcasting, a Bool result.
    public struct LessOrEqual: ComparisonOperator {
        public static let opType = "LessOrEqual"
        public static let versions = [12, 16]
        public static let comparison = CompareOp.lessOrEqual
        public let legacy: LegacyBroadcast

        public init(node: Node, version: Int) throws {
            legacy = try LegacyBroadcast(node: node, active: false)
        }
    }
}
