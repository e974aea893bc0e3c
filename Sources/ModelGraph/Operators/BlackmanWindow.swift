import TensorCore

extension Ops {
    /// ONNX BlackmanWindow: 0.42 − 0.5·cos(2πn/N) + 0.08·cos(4πn/N).
    public struct BlackmanWindow: Operator {
        public static let opType = "BlackmanWindow"
        public static let versions = [17]
        let window: SignalWindow

        public init(node: Node, version: Int) throws {
            window = try SignalWindow(node: node)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            [try window.run(inputs, context: context, coefficients: [0.42, -0.5, 0.08])]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("BlackmanWindow makes a new tensor from a size") }
    }
}
