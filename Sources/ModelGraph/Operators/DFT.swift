import TensorCore

extension Ops {
    /// ONNX DFT (opset 17: `axis` attribute, optional dft_length input; opset 20: axis as an
    /// input, default −2): the discrete Fourier transform of a real (…, 1) or complex (…, 2)
    /// signal along a signal axis, `inverse` and `onesided` as the specification says.
    public struct DFT: Operator {
        public static let opType = "DFT"
        public static let versions = [17, 20]
        let axisAttribute: Int?
        let inverse: Bool
        let onesided: Bool

        public init(node: Node, version: Int) throws {
            axisAttribute = version < 20 ? try node.int("axis", default: 1) : nil
            inverse = try node.int("inverse", default: 0) != 0
            onesided = try node.int("onesided", default: 0) != 0
            if inverse && onesided { throw node.invalid("onesided", "an inverse DFT cannot be onesided") }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let input = try context.required(inputs, 0, "input")
            guard input.dtype.isFloatingPoint else { throw context.invalid("input", "must be floating point, got \(input.dtype)") }
            let x = input.dtype == .float16 ? try input.cast(to: .float32) : input
            let length = try context.optionalIntegers(inputs, 1, "dft_length").map { values -> Int in
                guard values.count == 1 else { throw context.invalid("dft_length", "must hold one value, got \(values)") }
                return values[0]
            }
            let axisInput = try context.optionalIntegers(inputs, 2, "axis")?.first
            var axis = axisAttribute ?? axisInput ?? -2
            if axis < 0 { axis += x.rank }
            let y = try SpectralTransform.transform(x, axis: axis, length: length, inverse: inverse, onesided: onesided, context: context)
            return [input.dtype == .float16 ? try y.cast(to: .float16) : y]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("DFT mixes positions along its axis") }
    }
}
