import TensorCore

extension Ops {
    /// ONNX DequantizeLinear: y = (x − x_zero_point)·x_scale as Float32 (x uint8, int8 or int32);
    /// scale and zero point are scalars or, from opset 13, 1-D along `axis`.
    public struct DequantizeLinear: Operator {
        public static let opType = "DequantizeLinear"
        public static let versions = [10, 13]
        let axis: Int

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis", default: 1)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "x")
            let scale = try context.required(inputs, 1, "x_scale")
            guard [.uint8, .int8, .int32].contains(x.dtype) else {
                throw context.invalid("x", "must be uint8, int8 or int32, got \(x.dtype)")
            }
            let s = try Quantization.broadcastable(scale, to: x, axis: axis, context: context)
            var y = try x.cast(to: s.dtype.isFloatingPoint ? (s.dtype == .float16 ? .float32 : s.dtype) : .float32)
            if inputs.count > 2, let zeroPoint = inputs[2] {
                y = try y.subtracting(Quantization.broadcastable(zeroPoint, to: x, axis: axis, context: context).cast(to: y.dtype))
            }
            let result = try y.multiplying(s.cast(to: y.dtype))
            return [scale.dtype == .float16 ? try result.cast(to: .float16) : result]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
