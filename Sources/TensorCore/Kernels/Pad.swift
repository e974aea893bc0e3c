/// Pad: grows (or crops) every axis at both ends (ONNX Pad), any dtype.

/// How `padded` fills the cells it adds (ONNX Pad `mode`).
public enum PadMode: String, Sendable, CaseIterable {
    /// A constant value.
    case constant
    /// Mirror without repeating the border cell: [a b c] → b | a b c | b (NumPy "reflect").
    case reflect
    /// Repeat the border cell.
    case edge
    /// Continue periodically from the other end (opset 19).
    case wrap
}

extension Tensor {
    /// ONNX Pad. `pads` is `[x1_begin, x2_begin, …, x1_end, x2_end, …]` over `axes` (all axes when
    /// nil; negative counts from the back), so [N, C, H, W] with pads [0, 0, 1, 2, 0, 0, 3, 4] gives
    /// [N, C, H+4, W+6]. Negative pads crop; as in onnxruntime the crop happens first and the
    /// reflect/edge/wrap border is taken from the cropped tensor. Reflect, edge and wrap need a
    /// non-empty (cropped) axis wherever they add cells; reflect beyond the border keeps
    /// reflecting (NumPy). `value` is the constant of `.constant` mode, converted to the dtype.
    /// The gradient adds every output cell's gradient into the input cell it was read from.
    public func padded(pads: [Int], mode: PadMode = .constant, value: Double = 0, axes: [Int]? = nil) throws -> Tensor {
        if let axes, !axes.isEmpty, rank == 0 {
            throw TensorError.invalidArgument(op: "pad", detail: "cannot pad a rank-0 tensor (axes \(axes))")
        }
        let axisList = try (axes ?? Array(0..<rank)).map { try Shape.normalizeAxis($0, rank: rank, op: "pad") }
        guard Set(axisList).count == axisList.count else {
            throw TensorError.invalidArgument(op: "pad", detail: "axes \(axes ?? []) repeat an axis")
        }
        guard pads.count == 2 * axisList.count else {
            throw TensorError.invalidArgument(op: "pad", detail: "pads has \(pads.count) entries; \(axisList.count) padded axes of shape \(shape) need \(2 * axisList.count) ([begins..., ends...])")
        }
        // Bounds far beyond any real tensor keep the index arithmetic below free of overflow.
        guard pads.allSatisfy({ $0 > -(1 << 40) && $0 < 1 << 40 }) else {
            throw TensorError.invalidArgument(op: "pad", detail: "pads \(pads) hold an entry beyond ±2^40")
        }
        var outShape = shape
        for (k, a) in axisList.enumerated() { outShape[a] = Swift.max(0, shape[a] + pads[k] + pads[axisList.count + k]) }
        _ = try Shape.checkedCount(outShape, dtype: dtype, op: "pad")
        var maps = AxisMaps(identity: shape)
        for (k, a) in axisList.enumerated() {
            maps.maps[a] = try Tensor.padMap(length: shape[a], begin: pads[k], end: pads[axisList.count + k], mode: mode, axis: a)
        }
        let out = Tensor.gatheringAxes(self, maps, fill: mode == .constant ? value : 0)
        guard dtype.isFloatingPoint else { return out }
        return out.recorded("Pad", inputs: [self]) { g in [try Tensor.scatterAddingAxes(g, maps, op: "Pad")] }
    }

    /// Input index of every output position of one padded axis (-1: the constant).
    static func padMap(length n: Int, begin: Int, end: Int, mode: PadMode, axis: Int) throws -> [Int] {
        let cropBegin = Swift.max(-begin, 0), cropEnd = Swift.max(-end, 0)
        let kept = n - cropBegin - cropEnd
        guard kept >= 0 else {
            throw TensorError.invalidArgument(op: "pad", detail: "pads \(begin), \(end) crop more than the \(n) elements of axis \(axis)")
        }
        let padBegin = Swift.max(begin, 0), padEnd = Swift.max(end, 0)
        if mode != .constant && kept == 0 && padBegin + padEnd > 0 {
            throw TensorError.invalidArgument(op: "pad", detail: "\(mode.rawValue) padding of axis \(axis) needs at least one element to copy from, but it is empty (after cropping)")
        }
        return (0..<(kept + padBegin + padEnd)).map { j in
            let q = j - padBegin
            if q >= 0 && q < kept { return cropBegin + q }
            switch mode {
            case .constant:
                return -1
            case .edge:
                return cropBegin + (q < 0 ? 0 : kept - 1)
            case .wrap:
                return cropBegin + ((q % kept) + kept) % kept
            case .reflect:
                if kept == 1 { return cropBegin }
                let period = 2 * (kept - 1)
                let t = ((q % period) + period) % period
                return cropBegin + (t < kept ? t : period - t)
            }
        }
    }
}
