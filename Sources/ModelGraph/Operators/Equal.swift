import TensorCore

extension Ops {
    /// ONNX Equal: A == B elementwise with broadcasting, a Bool result.
    public struct Equal: ComparisonOperator {
        public static let opType = "Equal"
        public static let versions = [1, 7, 11, 13, 19]
        public static let comparison = CompareOp.equal
        public let legacy: LegacyBroadcast

        public init(node: Node, version: Int) throws {
            legacy = try LegacyBroadcast(node: node, active: version < 7)
        }
    }
}
