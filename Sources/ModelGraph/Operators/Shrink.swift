import TensorCore

extension Ops {
    /// ONNX Shrink: x + bias where x < −lambd, x − bias where x > lambd, 0 between
    /// (lambd 0.5, bias 0 by default). Any numeric type; integers are computed in Float64.
    public struct Shrink: Operator {
        public static let opType = "Shrink"
        public static let versions = [9]
        let lambd: Double
        let bias: Double

        public init(node: Node, version: Int) throws {
            lambd = try node.float("lambd", default: 0.5)
            bias = try node.float("bias", default: 0)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            func shrink(_ v: Tensor) throws -> Tensor {
                let below = try v.compare(.less, v.scalarLike(-lambd))
                let above = try v.compare(.greater, v.scalarLike(lambd))
                let zero = v.scalarLike(0)
                return try Tensor.where(below, v.adding(bias), Tensor.where(above, v.adding(-bias), zero))
            }
            switch x.dtype {
            case .float32, .float64: return [try shrink(x)]
            case .float16, .int8, .uint8, .int32, .int64: return [try shrink(x.cast(to: .float64)).cast(to: x.dtype)]
            case .bool: throw context.invalid("input 0", "Shrink needs a numeric input, got bool")
            }
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
