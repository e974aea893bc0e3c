import TensorCore

extension Ops {
    /// ONNX Tile: repeats the input `repeats[i]` times along axis i. Built from
    /// reshape → expand → reshape, so the gradient (a sum over the copies) comes from those.
    public struct Tile: Operator {
        public static let opType = "Tile"
        public static let versions = [6, 13]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            let repeats = try context.integers(inputs, 1, "repeats")
            guard repeats.count == x.rank, repeats.allSatisfy({ $0 >= 0 }) else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "input 1",
                                                       detail: "repeats \(repeats) must hold one non-negative count per axis of the input \(x.shape)")
            }
            if repeats.allSatisfy({ $0 == 1 }) { return [x] }
            // (d0, d1, …) → (1, d0, 1, d1, …) → (r0, d0, r1, d1, …) → (r0·d0, r1·d1, …).
            let interleaved = x.shape.flatMap { [1, $0] }
            let expandedShape = zip(repeats, x.shape).flatMap { [$0, $1] }
            let tiled = try x.reshaped(interleaved).expanded(to: expandedShape)
            return [try tiled.reshaped(zip(repeats, x.shape).map { $0 * $1 })]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("Tile: copies of each channel land at offsets that depend on the repeats input")
        }
    }
}
