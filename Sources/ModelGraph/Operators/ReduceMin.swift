import TensorCore

extension Ops {
    /// ONNX ReduceMin: the smallest value over `axes` (every axis when none), keeping them as size 1 when
    /// `keepdims`. Axes are an attribute before opset 18 and an optional input from 18.
    public struct ReduceMin: ReductionOperator {
        public static let opType = "ReduceMin"
        public static let versions = [1, 11, 12, 13, 18, 20]
        public static let reduction = ReduceOp.min
        public static let axesInputSince = 18
        public let settings: ReductionSettings

        public init(node: Node, version: Int) throws {
            settings = try ReductionSettings(node: node, axesFromInput: version >= Self.axesInputSince)
        }
    }
}
