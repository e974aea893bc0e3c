/// Slice: strided windows along chosen axes with ONNX Slice semantics, any dtype.
extension Tensor {
    /// ONNX Slice (opset ≥ 10). For each k, axis `axes[k]` (all of 0..<starts.count when nil;
    /// negative counts from the back) keeps the elements start, start+step, … strictly before end.
    /// Negative starts/ends count from the end of the axis; then, as the spec says, they are
    /// clamped to [0, n] for a positive step and to [0, n−1] (start) and [−1, n−1] (end) for a
    /// negative one, so `Int.max`/`Int.min` ends mean "to the end" / "to the beginning".
    /// Shape: [.., n, ..] → [.., ⌈(end−start)/step⌉ clipped at 0, ..]. The gradient scatters
    /// into zeros of the input's shape.
    public func sliced(starts: [Int], ends: [Int], axes: [Int]? = nil, steps: [Int]? = nil) throws -> Tensor {
        let axisList = axes ?? Array(0..<starts.count)
        let stepList = steps ?? Array(repeating: 1, count: starts.count)
        guard ends.count == starts.count, axisList.count == starts.count, stepList.count == starts.count else {
            throw TensorError.invalidArgument(op: "slice", detail: "starts (\(starts.count)), ends (\(ends.count)), axes (\(axisList.count)) and steps (\(stepList.count)) must have one entry each per sliced axis")
        }
        if !axisList.isEmpty && rank == 0 {
            throw TensorError.invalidArgument(op: "slice", detail: "cannot slice a rank-0 tensor")
        }
        var maps = AxisMaps(identity: shape)
        var seen = Set<Int>()
        for k in axisList.indices {
            let a = try Shape.normalizeAxis(axisList[k], rank: rank, op: "slice")
            guard seen.insert(a).inserted else {
                throw TensorError.invalidArgument(op: "slice", detail: "axis \(axisList[k]) appears twice in axes \(axisList)")
            }
            let step = stepList[k]
            guard step != 0 else {
                throw TensorError.invalidArgument(op: "slice", detail: "step 0 on axis \(axisList[k]); steps must be non-zero")
            }
            let range = Tensor.sliceRange(start: starts[k], end: ends[k], step: step, length: shape[a])
            maps.maps[a] = (0..<range.count).map { range.first + $0 * step }
        }
        let out = Tensor.gatheringAxes(self, maps)
        guard dtype.isFloatingPoint else { return out }
        return out.recorded("Slice", inputs: [self]) { g in [try Tensor.scatterAddingAxes(g, maps, op: "Slice")] }
    }

    /// First index and element count of an ONNX slice of an axis of `length` (steps ≠ 0).
    /// Written so that `Int.min`/`Int.max` bounds and steps never overflow.
    static func sliceRange(start: Int, end: Int, step: Int, length n: Int) -> (first: Int, count: Int) {
        var s = start, e = end
        if s < 0 { s += n }
        if e < 0 { e += n }
        let difference: Int
        if step > 0 {
            s = Swift.min(Swift.max(s, 0), n)
            e = Swift.min(Swift.max(e, 0), n)
            difference = e - s
        } else {
            s = Swift.min(Swift.max(s, 0), n - 1)
            e = Swift.min(Swift.max(e, -1), n - 1)
            difference = s - e
        }
        guard difference > 0 else { return (s, 0) }
        return (s, Int(UInt(difference - 1) / step.magnitude) + 1)
    }
}
