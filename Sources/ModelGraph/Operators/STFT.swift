import TensorCore

extension Ops {
    /// ONNX STFT: signal (batch, length, 1|2) cut into frames of `frame_length` (or the window's
    /// length) every `frame_step` samples, each multiplied by the optional window and Fourier
    /// transformed (onesided by default): (batch, frames, bins, 2). Gathers, products and the
    /// DFT tables, so gradients reach signal and window.
    public struct STFT: Operator {
        public static let opType = "STFT"
        public static let versions = [17]
        let onesided: Bool

        public init(node: Node, version: Int) throws {
            onesided = try node.int("onesided", default: 1) != 0
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let signal = try context.required(inputs, 0, "signal")
            guard signal.rank == 3, signal.dtype.isFloatingCompute else {
                throw context.invalid("signal", "must be float32/float64 (batch, length, 1|2), got \(signal.dtype) \(signal.shape)")
            }
            let stepValues = try context.integers(inputs, 1, "frame_step")
            guard stepValues.count == 1, stepValues[0] >= 1 else { throw context.invalid("frame_step", "must be one positive value, got \(stepValues)") }
            let step = stepValues[0]
            let window = inputs.count > 2 ? inputs[2] : nil
            var frameLength = window?.count
            if let values = try context.optionalIntegers(inputs, 3, "frame_length") {
                guard values.count == 1 else { throw context.invalid("frame_length", "must hold one value, got \(values)") }
                frameLength = values[0]
            }
            guard let length = frameLength, length >= 1, length <= signal.shape[1] else {
                throw context.invalid("frame_length", "needs a window or frame_length between 1 and the signal length \(signal.shape[1])")
            }
            if let window, window.shape != [length] {
                throw context.invalid("window", "must be 1-D of the frame length \(length), got \(window.shape)")
            }
            let frames = (signal.shape[1] - length) / step + 1
            var table = [Int64](repeating: 0, count: frames * length)
            for f in 0..<frames { for j in 0..<length { table[f * length + j] = Int64(f * step + j) } }
            // (batch, frames, length, 1|2)
            var framed = try signal.gathered(indices: Tensor(shape: [frames, length], scalars: table), axis: 1)
            if let window {
                framed = try framed.multiplying(window.cast(to: signal.dtype).reshaped([1, 1, length, 1]))
            }
            return [try SpectralTransform.transform(framed, axis: 2, length: length, inverse: false, onesided: onesided, context: context)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("STFT frames and transforms a signal") }
    }
}
