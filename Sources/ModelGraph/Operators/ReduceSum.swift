import TensorCore

extension Ops {
    /// ONNX ReduceSum: the sum over `axes` (every axis when none), keeping them as size 1 when
    /// `keepdims`. Axes are an attribute before opset 13 and an optional input from 13.
    public struct ReduceSum: ReductionOperator {
        public static let opType = "ReduceSum"
        public static let versions = [1, 11, 13]
        public static let reduction = ReduceOp.sum
        public static let axesInputSince = 13
        public let settings: ReductionSettings

        public init(node: Node, version: Int) throws {
            settings = try ReductionSettings(node: node, axesFromInput: version >= Self.axesInputSince)
        }
    }
}
