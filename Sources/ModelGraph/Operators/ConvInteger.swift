import TensorCore

extension Ops {
    /// ONNX ConvInteger: Conv of (x − x_zero_point) with (w − w_zero_point) in Int32 (uint8/int8
    /// inputs; w_zero_point scalar or per output channel), with Conv's attributes.
    public struct ConvInteger: Operator {
        public static let opType = "ConvInteger"
        public static let versions = [10]
        let convolution: Ops.Conv

        public init(node: Node, version: Int) throws {
            convolution = try Ops.Conv(node: node, version: 11)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "x"), w = try context.required(inputs, 1, "w")
            let xZero = inputs.count > 2 ? inputs[2] : nil, wZero = inputs.count > 3 ? inputs[3] : nil
            let input = try IntegerArithmetic.centered(x, xZero, axis: nil, context: context, what: "x")
            let weight = try IntegerArithmetic.centered(w, wZero, axis: 0, context: context, what: "w")
            guard let y = try convolution.run([input, weight], context: context).first ?? nil else {
                throw context.invalid("output", "the convolution produced no output")
            }
            return [try y.cast(to: .int32)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("ConvInteger is an inference-only quantized op") }
    }
}
