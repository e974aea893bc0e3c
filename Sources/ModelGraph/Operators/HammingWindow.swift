import TensorCore

extension Ops {
    /// ONNX HammingWindow: α − (1 − α)·cos(2πn/N) with α = 25/46.
    public struct HammingWindow: Operator {
        public static let opType = "HammingWindow"
        public static let versions = [17]
        let window: SignalWindow

        public init(node: Node, version: Int) throws {
            window = try SignalWindow(node: node)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            [try window.run(inputs, context: context, coefficients: [25.0 / 46.0, -(1 - 25.0 / 46.0)])]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("HammingWindow makes a new tensor from a size") }
    }
}
