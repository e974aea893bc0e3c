import TensorCore

extension Ops {
    /// ONNX Concat: joins the inputs along `axis` (opset 1: default 1; 4+: required; 11+: may be
    /// negative).
    public struct Concat: Operator {
        public static let opType = "Concat"
        public static let versions = [1, 4, 11, 13]
        let axis: Int

        public init(node: Node, version: Int) throws {
            if version < 4 {
                axis = try node.int("axis", default: 1)
            } else {
                guard let axis = try node.int("axis") else { throw node.invalid("axis", "is required from opset 4") }
                self.axis = axis
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let tensors = inputs.compactMap { $0 }
            guard !tensors.isEmpty else { throw context.invalid("inputs", "Concat needs at least one input") }
            return [try Tensor.concat(tensors, axis: axis)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            let rank = inputRanks.compactMap { $0 }.first
            let a = axis < 0 ? axis + (rank ?? 0) : axis
            guard a >= 0 else { return .opaque("Concat's negative axis \(axis) needs the input rank, which is unknown") }
            var description = ChannelDescription(mappings: [.concatenated(axis: a)])
            // Every other axis is shared by all inputs and the output.
            if let rank {
                for input in inputRanks.indices {
                    for other in 0..<rank where other != a {
                        description.mappings.append(.passthrough(input: input, inputAxis: other, output: 0, outputAxis: other))
                    }
                }
            }
            return description
        }
    }
}
