import TensorCore

extension Ops {
    /// ONNX AveragePool over (N, C, S₁…Sₖ), k ≥ 1: kernel_shape, strides, pads or auto_pad,
    /// count_include_pad (opset 7+), ceil_mode (opset 10+), dilations (opset 19+).
    public struct AveragePool: Operator {
        public static let opType = "AveragePool"
        public static let versions = [1, 7, 10, 11, 19, 22]
        let attributes: PoolingAttributes
        let countIncludePad: Bool

        public init(node: Node, version: Int) throws {
            attributes = try PoolingAttributes(node: node)
            countIncludePad = try node.int("count_include_pad", default: 0) != 0
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            let window = try attributes.geometry(for: x, context: context)
            return [try window.pool(x, .average(countIncludePad: countIncludePad))]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            ChannelDescription(mappings: [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1)])
        }
    }
}
