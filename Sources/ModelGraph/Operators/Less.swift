import TensorCore

extension Ops {
    /// ONNX Less: A < B elementwise with broadcasting, a Bool result.
    public struct Less: ComparisonOperator {
        public static let opType = "Less"
        public static let versions = [1, 7, 9, 13]
        public static let comparison = CompareOp.less
        public let legacy: LegacyBroadcast

        public init(node: Node, version: Int) throws {
            legacy = try LegacyBroadcast(node: node, active: version < 7)
        }
    }
}
