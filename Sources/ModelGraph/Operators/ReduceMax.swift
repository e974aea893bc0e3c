import TensorCore

extension Ops {
    /// ONNX ReduceMax: the largest value over `axes` (every axis when none), keeping them as size 1 when
    /// `keepdims`. Axes are an attribute before opset 18 and an optional input from 18.
    public struct ReduceMax: ReductionOperator {
        public static let opType = "ReduceMax"
        public static let versions = [1, 11, 12, 13, 18, 20]
        public static let reduction = ReduceOp.max
        public static let axesInputSince = 18
        public let settings: ReductionSettings

        public init(node: Node, version: Int) throws {
            settings = try ReductionSettings(node: node, axesFromInput: version >= Self.axesInputSince)
        }
    }
}
