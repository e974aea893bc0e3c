import TensorCore

extension Ops {
    /// ONNX Hardmax: 1 at the first maximum and 0 elsewhere, along `axis` (opset 13) or over the
    /// input flattened to 2-D at `axis` (opsets 1 and 11). Piecewise constant: no gradient.
    public struct Hardmax: Operator {
        public static let opType = "Hardmax"
        public static let versions = [1, 11, 13]
        let axis: Int
        let flattens: Bool

        public init(node: Node, version: Int) throws {
            axis = try node.int("axis", default: version >= 13 ? -1 : 1)
            flattens = version < 13
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let input = try context.required(inputs, 0, "input")
            guard input.dtype.isFloatingPoint else {
                throw context.invalid("input 0", "Hardmax needs a floating-point input, got \(input.dtype)")
            }
            var x = input.dtype == .float16 ? try input.cast(to: .float32) : input.detached()
            let rank = max(x.rank, 1)
            let a = try TensorCore.Shape.normalizeAxis(axis, rank: rank, op: "Hardmax")
            var along = a
            if flattens {
                let outer = x.shape[..<a].reduce(1, *), inner = x.shape[a...].reduce(1, *)
                x = try x.reshaped([outer, inner])
                along = 1
            }
            let n = x.shape[along]
            let winner = try x.argmax(axis: along, keepDims: true)
            var iotaShape = [Int](repeating: 1, count: x.rank)
            iotaShape[along] = n
            let iota = try Tensor(shape: iotaShape, scalars: (0..<n).map { Int64($0) })
            let hot = try iota.compare(.equal, winner).cast(to: input.dtype)
            return [try hot.reshaped(input.shape)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("Hardmax compares values across its axis")
        }
    }
}
