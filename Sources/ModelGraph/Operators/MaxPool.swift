import TensorCore

extension Ops {
    /// ONNX MaxPool over (N, C, S₁…Sₖ), k ≥ 1: kernel_shape, strides, pads or auto_pad,
    /// dilations and ceil_mode (opset 10+), and the optional Indices output (opset 8+, flat
    /// indices into X, row-major or with storage_order 1 column-major over the spatial axes).
    /// Integer inputs (int8/uint8, opset 12) pool through Float64, which holds them exactly.
    public struct MaxPool: Operator {
        public static let opType = "MaxPool"
        public static let versions = [1, 8, 10, 11, 12, 22]
        let attributes: PoolingAttributes
        let storageOrder: Int

        public init(node: Node, version: Int) throws {
            attributes = try PoolingAttributes(node: node)
            storageOrder = try node.int("storage_order", default: 0)
            guard storageOrder == 0 || storageOrder == 1 else {
                throw node.invalid("storage_order", "must be 0 (row major) or 1 (column major), got \(storageOrder)")
            }
            if version < 8 && node.namedOutputCount > 1 {
                throw node.invalid("outputs", "MaxPool-\(version) has one output; the Indices output needs opset 8")
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X")
            let window = try attributes.geometry(for: x, context: context)
            let y: Tensor
            if x.dtype.isFloatingCompute {
                y = try window.pool(x, .max)
            } else if [.int8, .uint8, .int32].contains(x.dtype) {
                y = try window.pool(x.cast(to: .float64), .max).cast(to: x.dtype)
            } else {
                throw TensorError.unsupportedDType(op: "MaxPool", dtype: x.dtype)
            }
            guard context.node.wantsOutput(1) else { return [y] }
            return [y, try indices(of: x, window: window, outputShape: y.shape)]
        }

        /// Flat index of each window's first maximum (a plain loop: Indices carry no gradient and
        /// are rarely asked for).
        func indices(of x: Tensor, window: PoolingWindow, outputShape: [Int]) throws -> Tensor {
            let values = x.doubles()
            let spatial = Array(x.shape[2...]), outSpatial = Array(outputShape[2...])
            let k = spatial.count
            let planes = x.shape[0] * x.shape[1]
            let planeSize = TensorCore.Shape.count(spatial), outPlane = TensorCore.Shape.count(outSpatial)
            // Strides of the stored index: row-major, or column-major over the spatial axes.
            var indexStrides = [Int](repeating: 1, count: k)
            if storageOrder == 0 {
                for i in stride(from: k - 2, through: 0, by: -1) { indexStrides[i] = indexStrides[i + 1] * spatial[i + 1] }
            } else {
                for i in 1..<max(k, 1) { indexStrides[i] = indexStrides[i - 1] * spatial[i - 1] }
            }
            let rowMajor = TensorCore.Shape.contiguousStrides(spatial)
            var result = [Int64](repeating: -1, count: planes * outPlane)
            var outPosition = [Int](repeating: 0, count: k), tap = [Int](repeating: 0, count: k)
            for plane in 0..<planes {
                for o in 0..<outPlane {
                    var rest = o
                    for i in stride(from: k - 1, through: 0, by: -1) { outPosition[i] = rest % outSpatial[i]; rest /= outSpatial[i] }
                    var best = -Double.infinity, bestIndex = -1
                    let taps = TensorCore.Shape.count(window.kernel)
                    for t in 0..<taps {
                        var r = t, inside = true, offset = 0, stored = 0
                        for i in stride(from: k - 1, through: 0, by: -1) {
                            tap[i] = r % window.kernel[i]; r /= window.kernel[i]
                            let position = outPosition[i] * window.strides[i] - window.padBegin[i] + tap[i] * window.dilations[i]
                            if position < 0 || position >= spatial[i] { inside = false; break }
                            offset += position * rowMajor[i]
                            stored += position * indexStrides[i]
                        }
                        guard inside else { continue }
                        let v = values[plane * planeSize + offset]
                        if bestIndex < 0 || v > best || (v.isNaN && !best.isNaN) { best = v; bestIndex = stored }
                    }
                    if bestIndex >= 0 { result[plane * outPlane + o] = Int64(plane * planeSize + bestIndex) }
                }
            }
            return try Tensor(shape: outputShape, scalars: result)
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            ChannelDescription(mappings: [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1),
                                          .passthrough(input: 0, inputAxis: 1, output: 1, outputAxis: 1)])
        }
    }
}
