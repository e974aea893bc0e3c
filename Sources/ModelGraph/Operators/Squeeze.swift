import TensorCore

extension Ops {
    /// ONNX Squeeze: removes size-1 axes, the listed ones (an attribute before opset 13, an
    /// optional int64 input from 13; negative counts from the end) or all of them.
    public struct Squeeze: Operator {
        public static let opType = "Squeeze"
        public static let versions = [1, 11, 13, 21, 23, 24, 25]
        let attributeAxes: [Int]?
        let axesFromInput: Bool

        public init(node: Node, version: Int) throws {
            axesFromInput = version >= 13
            attributeAxes = axesFromInput ? nil : try node.ints("axes")
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "data")
            let axes = axesFromInput ? try context.optionalIntegers(inputs, 1, "axes") : attributeAxes
            return [try x.squeezed(axes: axes ?? [])]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            guard !axesFromInput else { return .opaque("Squeeze: the axes come from an input, so the axis mapping is not known ahead") }
            guard let rank = inputRanks.first ?? nil, let axes = attributeAxes, !axes.isEmpty else {
                return .opaque("Squeeze without axes (or of unknown rank): which axes go depends on the sizes")
            }
            let removed = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
            let kept = (0..<rank).filter { !removed.contains($0) }
            return .axisMap(kept.enumerated().map { ($0.element, $0.offset) })
        }
    }
}
