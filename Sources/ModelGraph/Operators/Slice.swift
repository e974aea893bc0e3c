import TensorCore

extension Ops {
    /// ONNX Slice: starts/ends/axes as attributes (opset 1) or as inputs with optional steps
    /// (opset 10+). Negative indices count from the end; out-of-range bounds clamp.
    public struct Slice: Operator {
        public static let opType = "Slice"
        public static let versions = [1, 10, 11, 13]
        let attributeStarts: [Int]?
        let attributeEnds: [Int]?
        let attributeAxes: [Int]?
        let version: Int

        public init(node: Node, version: Int) throws {
            self.version = version
            if version < 10 {
                guard let starts = try node.ints("starts"), let ends = try node.ints("ends") else {
                    throw node.invalid("starts/ends", "Slice-1 needs the starts and ends attributes")
                }
                attributeStarts = starts
                attributeEnds = ends
                attributeAxes = try node.ints("axes")
            } else {
                attributeStarts = nil
                attributeEnds = nil
                attributeAxes = nil
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "data")
            let starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
            if version < 10 {
                starts = attributeStarts ?? []
                ends = attributeEnds ?? []
                axes = attributeAxes
                steps = nil
            } else {
                guard let s = try context.optionalIntegers(inputs, 1, "starts") else { throw context.invalid("input 1", "the required input 'starts' is missing") }
                guard let e = try context.optionalIntegers(inputs, 2, "ends") else { throw context.invalid("input 2", "the required input 'ends' is missing") }
                starts = s
                ends = e
                axes = try context.optionalIntegers(inputs, 3, "axes")
                steps = try context.optionalIntegers(inputs, 4, "steps")
            }
            return [try x.sliced(starts: starts, ends: ends, axes: axes, steps: steps)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            guard version < 10 else {
                return .opaque("Slice-\(version) takes its axes from an input, so which axes it cuts is not known before running")
            }
            guard let rank = inputRanks.first ?? nil else { return .opaque("Slice: the input rank is unknown") }
            let cut = Set((attributeAxes ?? Array(0..<(attributeStarts?.count ?? 0))).map { $0 < 0 ? $0 + rank : $0 })
            if cut.contains(1) && rank > 1 {
                return .opaque("Slice cuts the channel axis, so input channels do not map one-to-one to output channels")
            }
            return ChannelDescription(mappings: (0..<rank).filter { !cut.contains($0) }
                .map { .passthrough(input: 0, inputAxis: $0, output: 0, outputAxis: $0) })
        }
    }
}
