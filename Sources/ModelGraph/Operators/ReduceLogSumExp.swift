import TensorCore

extension Ops {
    /// ONNX ReduceLogSumExp: log Σ exp(x) over `axes` (every axis when none), keeping them as
    /// size 1 when `keepdims`; computed as m + log Σ exp(x − m) with m the (constant) maximum, so
    /// large values do not overflow. Axes are an attribute before opset 18 and an input from 18.
    public struct ReduceLogSumExp: ComposedReductionOperator {
        public static let opType = "ReduceLogSumExp"
        public static let versions = [1, 11, 13, 18]
        public static let axesInputSince = 18
        public let settings: ReductionSettings

        public init(node: Node, version: Int) throws {
            settings = try ReductionSettings(node: node, axesFromInput: version >= Self.axesInputSince)
        }

        public static func compute(_ x: Tensor, axes: [Int]?, keepDims: Bool) throws -> Tensor {
            if let axes, axes.isEmpty { return x }
            // The shift is a constant for the gradient: d/dx of m + log Σ exp(x − m) does not depend on m.
            var shift = try x.detached().reduce(.max, axes: axes ?? [], keepDims: true)
            // An all −∞ (or ±∞) slice would turn the shift into NaN; no shift is exact there.
            shift = try Tensor.where(shift.compare(.equal, shift.scalarLike(.infinity)).logical(.or, shift.compare(.equal, shift.scalarLike(-.infinity))),
                                     shift.scalarLike(0), shift)
            let summed = try x.subtracting(shift).unary(.exp).reduce(.sum, axes: axes ?? [], keepDims: true).unary(.log).adding(shift)
            if keepDims { return summed }
            let reduced = try TensorCore.Shape.normalizeAxes(axes ?? [], rank: x.rank, op: "ReduceLogSumExp")
            return try summed.squeezed(axes: reduced)
        }
    }
}
