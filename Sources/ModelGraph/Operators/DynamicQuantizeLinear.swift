import TensorCore

extension Ops {
    /// ONNX DynamicQuantizeLinear: uint8 quantization of a Float32 x with the scale and zero point
    /// that map [min(x, 0), max(x, 0)] onto [0, 255] (scale 1/255 when that range is empty); outputs y, y_scale and y_zero_point.
    public struct DynamicQuantizeLinear: Operator {
        public static let opType = "DynamicQuantizeLinear"
        public static let versions = [11]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "x")
            guard x.dtype == .float32 else { throw context.invalid("x", "must be float32, got \(x.dtype)") }
            let values = x.doubles()
            // Float32 arithmetic throughout, as the specification's formula is evaluated.
            let low = Float(min(values.min() ?? 0, 0)), high = Float(max(values.max() ?? 0, 0))
            let scale = (high == low ? 1 : high - low) / 255
            let zero = min(max((0 - low / scale).rounded(.toNearestOrEven), 0), 255)
            let y = values.map { UInt8(min(max((Float($0) / scale).rounded(.toNearestOrEven) + zero, 0), 255)) }
            return [try Tensor(shape: x.shape, scalars: y), Tensor(scalar: scale), Tensor(scalar: UInt8(zero))]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("DynamicQuantizeLinear reduces over the whole tensor") }
    }
}
