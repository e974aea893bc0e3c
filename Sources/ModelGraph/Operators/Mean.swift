import TensorCore

extension Ops {
    /// ONNX Mean: the elementwise mean of every input, broadcast together (floating types).
    public struct Mean: Operator {
        public static let opType = "Mean"
        public static let versions = [6, 8, 13]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let count = inputs.compactMap { $0 }.count
            if let x = inputs.compactMap({ $0 }).first, !x.dtype.isFloatingPoint {
                throw context.invalid("input 0", "Mean needs floating-point inputs, got \(x.dtype)")
            }
            let sum = try VariadicElementwise.fold(.add, inputs, context: context)
            if sum.dtype == .float16 { return [try sum.cast(to: .float32).multiplying(1 / Double(count)).cast(to: .float16)] }
            return [try sum.dividing(sum.scalarLike(Double(count)))]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
