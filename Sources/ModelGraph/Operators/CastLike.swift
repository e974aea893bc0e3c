import TensorCore

extension Ops {
    /// ONNX CastLike: Cast to the element type of the second input.
    public struct CastLike: Operator {
        public static let opType = "CastLike"
        public static let versions = [15, 19, 21, 23, 24, 25]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            let like = try context.required(inputs, 1, "target_type")
            return [try Cast.convert(x, to: like.dtype)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            // Only input 0 carries values; input 1 gives a type.
            guard let rank = inputRanks.first ?? nil else { return .opaque("CastLike: the input's rank is unknown") }
            return .axisMap((0..<rank).map { ($0, $0) })
        }
    }
}
