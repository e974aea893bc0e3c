/// Gather: picks entries of one axis by an index tensor (ONNX Gather), any data dtype.
extension Tensor {
    /// ONNX Gather: data [A..., n, B...] and `indices` [I...] (int64 or int32, any rank, negative
    /// entries count from the end, anything outside -n..<n is an error) give [A..., I..., B...].
    /// The gradient scatter-adds into zeros of the data's shape (repeated indices accumulate).
    public func gathered(indices: Tensor, axis: Int = 0) throws -> Tensor {
        guard rank > 0 else {
            throw TensorError.invalidArgument(op: "gather", detail: "cannot gather from a rank-0 tensor")
        }
        let a = try Shape.normalizeAxis(axis, rank: rank, op: "gather")
        let n = shape[a]
        let raw: [Int]
        switch indices.dtype {
        case .int64: raw = indices.withElements(Int64.self) { $0.map { Int($0) } }
        case .int32: raw = indices.withElements(Int32.self) { $0.map { Int($0) } }
        default:
            throw TensorError.unsupportedDType(op: "gather indices (use int64 or int32)", dtype: indices.dtype)
        }
        var table: [Int] = []
        table.reserveCapacity(raw.count)
        for (k, i) in raw.enumerated() {
            guard i >= -n && i < n else {
                throw TensorError.invalidArgument(op: "gather", detail: "index \(i) (element \(k) of indices of shape \(indices.shape)) is out of range for axis \(a) of length \(n) in data of shape \(shape); valid indices are \(-n)..<\(n)")
            }
            table.append(i < 0 ? i + n : i)
        }
        var maps = AxisMaps(identity: shape)
        maps.maps[a] = table
        var out = Tensor.gatheringAxes(self, maps)
        let outShape = Array(shape[..<a]) + indices.shape + Array(shape[(a + 1)...])
        out.shape = outShape
        out.strides = Shape.contiguousStrides(outShape)
        guard dtype.isFloatingPoint else { return out }
        return out.recorded("Gather", inputs: [self]) { g in
            guard g.shape == outShape else {
                throw TensorError.shapeMismatch(op: "Gather gradient", detail: "gradient shape \(g.shape) differs from output shape \(outShape)")
            }
            return [try Tensor.scatterAddingAxes(g.reshaped(maps.outShape), maps, op: "Gather")]
        }
    }
}
