import TensorCore

extension Ops {
    /// ONNX Unsqueeze: inserts size-1 axes at the listed output positions (an attribute before
    /// opset 13, a required int64 input from 13; negative counts from the end of the output).
    public struct Unsqueeze: Operator {
        public static let opType = "Unsqueeze"
        public static let versions = [1, 11, 13, 21, 23, 24, 25]
        let attributeAxes: [Int]?
        let axesFromInput: Bool

        public init(node: Node, version: Int) throws {
            axesFromInput = version >= 13
            if axesFromInput {
                attributeAxes = nil
            } else {
                guard let axes = try node.ints("axes") else {
                    throw ModelGraphError.invalidAttribute(node: node.label, attribute: "axes", detail: "the required attribute is missing")
                }
                attributeAxes = axes
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "data")
            let axes = try attributeAxes ?? context.integers(inputs, 1, "axes")
            return [try x.unsqueezed(axes: axes)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            guard let axes = attributeAxes else { return .opaque("Unsqueeze: the axes come from an input, so the axis mapping is not known ahead") }
            guard let rank = inputRanks.first ?? nil else { return .opaque("Unsqueeze: the input's rank is unknown") }
            let outRank = rank + axes.count
            let inserted = Set(axes.map { $0 < 0 ? $0 + outRank : $0 })
            let kept = (0..<outRank).filter { !inserted.contains($0) }
            return .axisMap(kept.enumerated().map { ($0.offset, $0.element) })
        }
    }
}
