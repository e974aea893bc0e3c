import TensorCore

extension Ops {
    /// ONNX Greater: A > B elementwise with broadcasting, a Bool result.
    public struct Greater: ComparisonOperator {
        public static let opType = "Greater"
        public static let versions = [1, 7, 9, 13]
        public static let comparison = CompareOp.greater
        public let legacy: LegacyBroadcast

        public init(node: Node, version: Int) throws {
            legacy = try LegacyBroadcast(node: node, active: version < 7)
        }
    }
}
