import TensorCore

extension Ops {
    /// ONNX Split along `axis` (default 0) into the node's outputs: piece sizes from the `split`
    /// attribute (opset ≤ 11; opset 1 also as input 1), the `split` input (13+), equal pieces
    /// (which must divide the axis before opset 18), or `num_outputs` pieces (18+, the last one
    /// smaller when the axis does not divide).
    public struct Split: Operator {
        public static let opType = "Split"
        public static let versions = [1, 2, 11, 13, 18]
        let axis: Int
        let attributeSizes: [Int]?
        let numOutputs: Int?
        let version: Int

        public init(node: Node, version: Int) throws {
            self.version = version
            axis = try node.int("axis", default: 0)
            attributeSizes = version < 13 ? try node.ints("split") : nil
            numOutputs = version >= 18 ? try node.int("num_outputs") : nil
            if let attributeSizes, attributeSizes.contains(where: { $0 < 0 }) {
                throw node.invalid("split", "sizes must be non-negative, got \(attributeSizes)")
            }
            if let numOutputs, numOutputs <= 0 { throw node.invalid("num_outputs", "must be positive, got \(numOutputs)") }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            let outputs = context.node.outputs.count
            guard axis >= -x.rank, axis < x.rank else {
                throw context.invalid("axis", "\(axis) is out of range for an input of rank \(x.rank) (shape \(x.shape))")
            }
            let length = x.shape[axis < 0 ? axis + x.rank : axis]
            var sizes = attributeSizes
            if (version == 1 || version >= 13), let given = try context.optionalIntegers(inputs, 1, "split") { sizes = given }
            if let sizes {
                guard sizes.count == outputs, sizes.reduce(0, +) == length, sizes.allSatisfy({ $0 >= 0 }) else {
                    throw context.invalid("split", "sizes \(sizes) must be \(outputs) non-negative values (one per output) summing to \(length), the length of axis \(axis) of \(x.shape)")
                }
                return try x.split(axis: axis, sizes: sizes)
            }
            if let numOutputs {
                guard numOutputs == outputs else {
                    throw context.invalid("num_outputs", "is \(numOutputs) but the node has \(outputs) outputs")
                }
                return try x.split(axis: axis, parts: numOutputs)
            }
            if version >= 18 {
                throw context.invalid("num_outputs", "Split-18 needs either the split input or the num_outputs attribute")
            }
            guard outputs > 0, length % outputs == 0 else {
                throw context.invalid("split", "axis \(axis) of length \(length) cannot be split evenly into \(outputs) outputs; give the sizes")
            }
            return try x.split(axis: axis, sizes: [Int](repeating: length / outputs, count: outputs))
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            let rank = inputRanks.first ?? nil
            let a = axis < 0 ? axis + (rank ?? 0) : axis
            guard a >= 0 else { return .opaque("Split's negative axis \(axis) needs the input rank, which is unknown") }
            return ChannelDescription(mappings: [.split(axis: a)], rewrites: ["split"])
        }
    }
}
