import TensorCore

extension Ops {
    /// ONNX Flatten: (d0 … d(axis-1), d(axis) … dn) to the 2-D (d0·…·d(axis-1), d(axis)·…·dn);
    /// `axis` (default 1) may be negative and equal to the rank.
    public struct Flatten: Operator {
        public static let opType = "Flatten"
        public static let versions = [1, 9, 11, 13, 21, 23, 24, 25]
        let axis: Int

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis", default: 1)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            let a = axis < 0 ? axis + x.rank : axis
            guard a >= 0 && a <= x.rank else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "axis",
                                                       detail: "\(axis) is out of range for an input of rank \(x.rank) (allowed: -\(x.rank)...\(x.rank))")
            }
            let outer = TensorCore.Shape.count(Array(x.shape[..<a]))
            return [try x.reshaped([outer, TensorCore.Shape.count(Array(x.shape[a...]))])]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            guard let rank = inputRanks.first ?? nil else { return .opaque("Flatten: the input's rank is unknown") }
            let a = axis < 0 ? axis + rank : axis
            guard a == 1 else {
                return .opaque("Flatten at axis \(axis) merges the channel axis with the batch axis or splits nothing off it")
            }
            if rank == 2 { return .axisMap([(0, 0), (1, 1)]) }
            // (N, C, H, W) → (N, C·H·W): channel c becomes H·W consecutive columns. The factor
            // is the product of the trailing input axes, known only from shapes (0 here).
            return ChannelDescription(mappings: [.passthrough(input: 0, inputAxis: 0, output: 0, outputAxis: 0),
                                                 .expanded(input: 0, inputAxis: 1, output: 0, outputAxis: 1, factor: 0)])
        }
    }
}
