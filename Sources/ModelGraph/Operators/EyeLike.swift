import TensorCore

extension Ops {
    /// ONNX EyeLike: a 2-D tensor of the input's shape with ones on the diagonal shifted by `k`
    /// (zeros elsewhere), of `dtype` when given, else the input's dtype.
    public struct EyeLike: Operator {
        public static let opType = "EyeLike"
        public static let versions = [9, 22]
        let dtype: DType?
        let k: Int

        public init(node: Node, version: Int) throws {
            dtype = try node.int("dtype").map { try Ops.Cast.dtype(forElementType: $0, node: node, attribute: "dtype") }
            k = try node.int("k", default: 0)
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "input")
            guard x.rank == 2 else { throw context.invalid("input", "EyeLike needs a 2-D input, got shape \(x.shape)") }
            let rows = x.shape[0], columns = x.shape[1]
            var values = [Double](repeating: 0, count: rows * columns)
            for i in 0..<rows where i + k >= 0 && i + k < columns { values[i * columns + i + k] = 1 }
            return [try Tensor(shape: [rows, columns], scalars: values).cast(to: dtype ?? x.dtype)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("EyeLike makes a new tensor from its input's shape only")
        }
    }
}
