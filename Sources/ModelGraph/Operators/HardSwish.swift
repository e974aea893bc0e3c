import TensorCore

extension Ops {
    /// ONNX HardSwish: x·max(0, min(1, x/6 + 1/2)) (MobileNetV3).
    public struct HardSwish: UnaryElementwiseOperator {
        public static let opType = "HardSwish"
        public static let versions = [14, 22]
        public var function: UnaryOp { .hardSwish }

        public init(node: Node, version: Int) throws {}
    }
}
