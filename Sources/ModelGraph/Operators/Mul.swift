import TensorCore

extension Ops {
    /// ONNX Mul with NumPy broadcasting (opset 6's `broadcast`/`axis` form too).
    public struct Mul: Operator {
        public static let opType = "Mul"
        public static let versions = [6, 7, 13, 14]
        let body: BinaryArithmetic

        public init(node: Node, version: Int) throws {
            body = try BinaryArithmetic(node: node, version: version, op: .multiply)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            try body.run(inputs, context: context)
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
