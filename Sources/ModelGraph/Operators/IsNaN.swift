import TensorCore

extension Ops {
    /// ONNX IsNaN: a Bool tensor, true where x is NaN (floating inputs).
    public struct IsNaN: Operator {
        public static let opType = "IsNaN"
        public static let versions = [9, 13, 20]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            guard x.dtype.isFloatingPoint else {
                throw context.invalid("input 0", "IsNaN needs a floating-point input, got \(x.dtype)")
            }
            // NaN is the one value that is not equal to itself.
            return [try x.detached().compare(.equal, x.detached()).logicalNot()]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
