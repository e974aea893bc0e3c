/// Split: cuts a tensor along one axis into pieces (ONNX Split), any dtype.
extension Tensor {
    /// Cuts along `axis` (negative counts from the back) into pieces of `sizes`, which must be
    /// non-negative and sum to the axis length: [A..., n, B...] gives [A..., sizes[k], B...].
    /// Each piece is recorded on the tape as a slice of `self`, so a piece that is not used
    /// contributes no gradient (the same as a zero gradient).
    public func split(axis: Int, sizes: [Int]) throws -> [Tensor] {
        guard rank > 0 else {
            throw TensorError.invalidArgument(op: "split", detail: "cannot split a rank-0 tensor")
        }
        let a = try Shape.normalizeAxis(axis, rank: rank, op: "split")
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[a] else {
            throw TensorError.invalidArgument(op: "split", detail: "sizes \(sizes) must be non-negative and sum to \(shape[a]), the length of axis \(a) of shape \(shape)")
        }
        let pieces = try Tensor.splitElements(self, axis: a, sizes: sizes, op: "split")
        guard dtype.isFloatingPoint else { return pieces }
        var start = 0
        return pieces.map { piece in
            let length = piece.shape[a]
            let maps = Tensor.splitGradientMaps(pieceShape: piece.shape, axis: a, start: start, inputLength: shape[a])
            start += length
            return piece.recorded("Split", inputs: [self]) { g in
                guard g.shape == maps.inShape else {
                    throw TensorError.shapeMismatch(op: "Split gradient", detail: "gradient shape \(g.shape) differs from piece shape \(maps.inShape)")
                }
                return [Tensor.gatheringAxes(g, maps, fill: 0)]
            }
        }
    }

    /// Cuts along `axis` into `parts` pieces of ⌈n / parts⌉, the last one smaller when n does not
    /// divide evenly (ONNX Split-18 `num_outputs`).
    public func split(axis: Int, parts: Int) throws -> [Tensor] {
        guard rank > 0 else {
            throw TensorError.invalidArgument(op: "split", detail: "cannot split a rank-0 tensor")
        }
        let a = try Shape.normalizeAxis(axis, rank: rank, op: "split")
        guard parts > 0 else {
            throw TensorError.invalidArgument(op: "split", detail: "parts must be positive, got \(parts)")
        }
        let n = shape[a]
        let chunk = (n + parts - 1) / parts
        let last = n - chunk * (parts - 1)
        guard last >= 0 else {
            throw TensorError.invalidArgument(op: "split", detail: "axis \(a) of length \(n) cannot be cut into \(parts) pieces of \(chunk) with a smaller last piece")
        }
        return try split(axis: axis, sizes: Array(repeating: chunk, count: parts - 1) + [last])
    }

    /// The forward kernel (also Concat's gradient): `sizes` already checked against axis `axis`.
    static func splitElements(_ x: Tensor, axis: Int, sizes: [Int], op: String) throws -> [Tensor] {
        guard x.rank > axis, sizes.reduce(0, +) == x.shape[axis] else {
            throw TensorError.shapeMismatch(op: op, detail: "cannot split shape \(x.shape) into \(sizes) along axis \(axis)")
        }
        let source = x.contiguous()
        var start = 0
        return sizes.map { length in
            var maps = AxisMaps(identity: x.shape)
            maps.maps[axis] = Array(start..<(start + length))
            start += length
            return gatheringAxes(source, maps)
        }
    }

    /// Tables that place a piece's gradient at `start` of an axis of `inputLength`, zeros elsewhere.
    static func splitGradientMaps(pieceShape: [Int], axis: Int, start: Int, inputLength: Int) -> AxisMaps {
        var maps = AxisMaps(identity: pieceShape)
        let length = pieceShape[axis]
        maps.maps[axis] = (0..<inputLength).map { $0 >= start && $0 < start + length ? $0 - start : -1 }
        return maps
    }
}
