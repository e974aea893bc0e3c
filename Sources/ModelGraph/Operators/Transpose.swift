import TensorCore

extension Ops {
    /// ONNX Transpose: output axis i is input axis perm[i] (default: axes reversed).
    public struct Transpose: Operator {
        public static let opType = "Transpose"
        public static let versions = [1, 13, 21, 23, 24, 25]
        let permutation: [Int]?

        public init(node: Node, version: Int) throws {
            permutation = try node.ints("perm")
            if let permutation, Set(permutation) != Set(0..<permutation.count) {
                throw node.invalid("perm", "\(permutation) is not a permutation of 0..<\(permutation.count)")
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "data")
            if let permutation, permutation.count != x.rank {
                throw context.invalid("perm", "\(permutation) has \(permutation.count) entries for an input of rank \(x.rank) (shape \(x.shape))")
            }
            return [try x.transposed(permutation: permutation)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            guard let perm = permutation ?? (inputRanks.first ?? nil).map({ Array((0..<$0).reversed()) }) else {
                return .opaque("Transpose without perm reverses the axes, and the input rank is unknown")
            }
            return ChannelDescription(mappings: perm.enumerated().map { .passthrough(input: 0, inputAxis: $0.element, output: 0, outputAxis: $0.offset) })
        }
    }
}
