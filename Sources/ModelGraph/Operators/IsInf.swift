import TensorCore

extension Ops {
    /// ONNX IsInf: a Bool tensor, true at +∞ (when `detect_positive`) and −∞ (when
    /// `detect_negative`); both are on by default.
    public struct IsInf: Operator {
        public static let opType = "IsInf"
        public static let versions = [10, 20]
        let positive: Bool
        let negative: Bool

        public init(node: Node, version: Int) throws {
            positive = try node.int("detect_positive", default: 1) != 0
            negative = try node.int("detect_negative", default: 1) != 0
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            var x = try context.required(inputs, 0, "X").detached()
            guard x.dtype.isFloatingPoint else {
                throw context.invalid("input 0", "IsInf needs a floating-point input, got \(x.dtype)")
            }
            if x.dtype == .float16 { x = try x.cast(to: .float32) }
            var result = Tensor(zeros: x.shape, dtype: .bool)
            if positive { result = try result.logical(.or, x.compare(.equal, x.scalarLike(.infinity))) }
            if negative { result = try result.logical(.or, x.compare(.equal, x.scalarLike(-.infinity))) }
            return [result]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
