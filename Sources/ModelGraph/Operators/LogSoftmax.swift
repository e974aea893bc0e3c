import TensorCore

extension Ops {
    /// ONNX LogSoftmax: opset < 13 over the block of axes from `axis` (default 1) on, 13+ over
    /// the single axis `axis` (default −1).
    public struct LogSoftmax: Operator {
        public static let opType = "LogSoftmax"
        public static let versions = [1, 11, 13]
        let body: SoftmaxFamily
        public init(node: Node, version: Int) throws { body = try SoftmaxFamily(node: node, version: version, logarithm: true) }
        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] { try body.run(inputs, context: context) }
        public func channels(inputRanks: [Int?]) -> ChannelDescription { body.channels(inputRanks: inputRanks) }
    }
}
