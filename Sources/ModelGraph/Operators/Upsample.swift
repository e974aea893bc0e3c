import TensorCore

extension Ops {
    /// ONNX Upsample (opsets 7, 9, 10; deprecated for Resize): nearest or linear with one scale
    /// per axis, as the `scales` attribute (7) or input (9+); asymmetric coordinates, nearest
    /// rounds down (output[i] = input[⌊i / scale⌋]).
    public struct Upsample: Operator {
        public static let opType = "Upsample"
        public static let versions = [7, 9, 10]
        let mode: ResizeMode
        let attributeScales: [Double]?

        public init(node: Node, version: Int) throws {
            let name = try node.string("mode", default: "nearest")
            switch name {
            case "nearest": mode = .nearest
            case "linear", "bilinear": mode = .linear
            default: throw node.invalid("mode", "unknown mode '\(name)' (nearest, linear)")
            }
            if version < 9 {
                guard let scales = try node.floats("scales") else { throw node.invalid("scales", "is required for Upsample-7") }
                attributeScales = scales
            } else {
                attributeScales = nil
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            guard let scales = try attributeScales ?? context.floatingValues(inputs, 1, "scales") else {
                throw context.invalid("input 1", "the required input 'scales' is missing")
            }
            guard scales.count == x.rank, scales.allSatisfy({ $0 >= 1 && $0.isFinite }) else {
                throw context.invalid("scales", "need one scale ≥ 1 per axis of input \(x.shape), got \(scales)")
            }
            if mode == .linear && !x.dtype.isFloatingCompute {
                return [try x.cast(to: .float64).resized(scales: scales, mode: .linear, coordinateTransformation: .asymmetric)
                    .unary(.round).cast(to: x.dtype)]
            }
            return [try x.resized(scales: scales, mode: mode, coordinateTransformation: .asymmetric, nearestRounding: .floor)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            ChannelDescription(mappings: [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1)])
        }
    }
}
