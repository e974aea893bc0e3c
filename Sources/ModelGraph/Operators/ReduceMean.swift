import TensorCore

extension Ops {
    /// ONNX ReduceMean: the mean over `axes` (every axis when none), keeping them as size 1 when
    /// `keepdims`. Axes are an attribute before opset 18 and an optional input from 18.
    public struct ReduceMean: ReductionOperator {
        public static let opType = "ReduceMean"
        public static let versions = [1, 11, 13, 18]
        public static let reduction = ReduceOp.mean
        public static let axesInputSince = 18
        public let settings: ReductionSettings

        public init(node: Node, version: Int) throws {
            settings = try ReductionSettings(node: node, axesFromInput: version >= Self.axesInputSince)
        }
    }
}
