import TensorCore

extension Ops {
    /// ONNX HannWindow: 0.5 − 0.5·cos(2πn/N).
    public struct HannWindow: Operator {
        public static let opType = "HannWindow"
        public static let versions = [17]
        let window: SignalWindow

        public init(node: Node, version: Int) throws {
            window = try SignalWindow(node: node)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            [try window.run(inputs, context: context, coefficients: [0.5, -0.5])]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("HannWindow makes a new tensor from a size") }
    }
}
