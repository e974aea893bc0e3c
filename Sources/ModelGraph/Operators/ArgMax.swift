import TensorCore

extension Ops {
    /// ONNX ArgMax: int64 index of the largest value along `axis` (default 0), the first one
    /// unless `select_last_index` (opset 12+); the axis stays as size 1 when `keepdims`.
    public struct ArgMax: Operator {
        public static let opType = "ArgMax"
        public static let versions = [1, 11, 12, 13]
        let settings: ArgExtremum

        public init(node: Node, version: Int) throws {
            settings = try ArgExtremum(node: node, version: version, largest: true)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            try settings.run(inputs, context: context)
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { settings.channels(inputRanks: inputRanks, name: Self.opType) }
    }
}
