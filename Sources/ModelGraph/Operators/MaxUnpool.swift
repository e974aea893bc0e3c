import TensorCore

extension Ops {
    /// ONNX MaxUnpool: zeros of the unpooled shape with X's values written at the flat offsets I
    /// (as MaxPool's Indices output gives them). The shape is (in − 1)·stride − pads + kernel per spatial
    /// axis, padded at the end up to `output_shape` when that is given. Gradients reach X.
    public struct MaxUnpool: Operator {
        public static let opType = "MaxUnpool"
        public static let versions = [9, 11]
        let kernel: [Int]
        let strides: [Int]?
        let pads: [Int]?

        public init(node: Node, version: Int) throws {
            guard let kernel = try node.ints("kernel_shape") else { throw node.invalid("kernel_shape", "is required") }
            self.kernel = kernel
            strides = try node.ints("strides")
            pads = try node.ints("pads")
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            let indices = try context.required(inputs, 1, "I")
            let k = kernel.count
            guard x.rank == k + 2, indices.shape == x.shape else {
                throw context.invalid("X/I", "X must be (N, C, …) with \(k) spatial axes and I of X's shape; got \(x.shape) and \(indices.shape)")
            }
            let s = strides ?? [Int](repeating: 1, count: k)
            let p = pads ?? [Int](repeating: 0, count: 2 * k)
            guard s.count == k, p.count == 2 * k else { throw context.invalid("strides/pads", "need \(k) strides and \(2 * k) pads") }
            var shape = Array(x.shape.prefix(2))
            for i in 0..<k { shape.append((x.shape[i + 2] - 1) * s[i] - p[i] - p[i + k] + kernel[i]) }
            let targets = try context.integers(indices.reshaped([indices.count]), "I", index: 1)
            let zeros = Tensor(zeros: shape, dtype: x.dtype)
            let unpooled = try ScatterUpdate.apply(zeros, x.reshaped([x.count]), targets: targets, reduction: .none, context: context)
            guard let requested = try context.optionalIntegers(inputs, 2, "output_shape") else { return [unpooled] }
            // The indices address the default shape; a larger requested shape pads at the end (as
            // onnx's reference and test data do).
            guard requested.count == x.rank, zip(requested, shape).allSatisfy({ $0 >= $1 }) else {
                throw context.invalid("output_shape", "\(requested) must have rank \(x.rank) and be at least the unpooled shape \(shape)")
            }
            let ends = zip(requested, shape).map { $0 - $1 }
            return [try unpooled.padded(pads: [Int](repeating: 0, count: x.rank) + ends)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            ChannelDescription(mappings: [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1)])
        }
    }
}
