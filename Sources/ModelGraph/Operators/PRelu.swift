import TensorCore

extension Ops {
    /// ONNX PRelu: x for x ≥ 0, slope·x below. From opset 7 the slope broadcasts onto X
    /// (NumPy, unidirectional); in opsets 1 and 6 a 1-D slope of X's channel count applies per
    /// channel (axis 1), as PyTorch's exports of that era expect.
    public struct PRelu: Operator {
        public static let opType = "PRelu"
        public static let versions = [1, 6, 7, 9, 16]
        let perChannelSlope: Bool

        public init(node: Node, version: Int) throws {
            perChannelSlope = version < 7
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            var slope = try context.required(inputs, 1, "slope")
            if perChannelSlope, slope.rank == 1, slope.count > 1, x.rank >= 2, slope.count == x.shape[1] {
                slope = try slope.reshaped([slope.count] + [Int](repeating: 1, count: x.rank - 2))
            }
            let target = try TensorCore.Shape.broadcast(x.shape, slope.shape, op: "PRelu")
            guard target == x.shape else {
                throw context.invalid("slope", "slope \(slope.shape) does not broadcast onto X \(x.shape)")
            }
            guard slope.dtype == x.dtype else {
                throw context.invalid("slope", "slope is \(slope.dtype) but X is \(x.dtype)")
            }
            switch x.dtype {
            case .float32, .float64:
                // relu(x) + slope·min(x, 0): both pieces on the tape.
                return [try x.unary(.relu).adding(slope.multiplying(ActivationMath.negativePart(x)))]
            case .float16:
                let x32 = try x.cast(to: .float32), s32 = try slope.cast(to: .float32)
                return [try x32.unary(.relu).adding(s32.multiplying(ActivationMath.negativePart(x32))).cast(to: .float16)]
            case .int32, .int64, .int8:
                let negative = try x.compare(.less, x.scalarLike(0))
                return [try Tensor.where(negative, x.multiplying(slope), x)]
            case .uint8:
                return [x]
            case .bool:
                throw context.invalid("input 0", "PRelu needs a numeric input, got bool")
            }
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            // Legacy slopes are per channel of X's axis 1; later ones broadcast like any elementwise operand.
            perChannelSlope ? .perChannel(parameterInputs: [1]) : .elementwise
        }
    }
}
