import TensorCore

extension Ops {
    /// ONNX ReduceSumSquare: the sum of squares over `axes` (every axis when none), keeping them as size 1 when
    /// `keepdims`. Axes are an attribute before opset 18 and an optional input from 18.
    public struct ReduceSumSquare: ComposedReductionOperator {
        public static let opType = "ReduceSumSquare"
        public static let versions = [1, 11, 13, 18]
        public static let axesInputSince = 18
        public let settings: ReductionSettings

        public init(node: Node, version: Int) throws {
            settings = try ReductionSettings(node: node, axesFromInput: version >= Self.axesInputSince)
        }

        public static func compute(_ x: Tensor, axes: [Int]?, keepDims: Bool) throws -> Tensor {
            try ComposedReduction.reduce(x.multiplying(x), .sum, axes: axes, keepDims: keepDims)
        }
    }
}
