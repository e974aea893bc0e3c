import TensorCore

extension Ops {
    /// ONNX RoiAlign: for each region (x1, y1, x2, y2)·spatial_scale of image batch_indices[r]
    /// in X (N, C, H, W), an output_height × output_width grid of bins, each the average (or,
    /// in `max` mode, the maximum of the weighted corner values) of sampling_ratio² bilinear
    /// samples (adaptive ⌈bin size⌉ when 0). `half_pixel` (opset 16's default) shifts
    /// coordinates by −0.5. Values are gathered from X with constant weights, so gradients reach X.
    public struct RoiAlign: Operator {
        public static let opType = "RoiAlign"
        public static let versions = [10, 16]
        let averages: Bool
        let outputHeight: Int
        let outputWidth: Int
        let samplingRatio: Int
        let spatialScale: Double
        let halfPixel: Bool

        public init(node: Node, version: Int) throws {
            let mode = try node.string("mode", default: "avg")
            guard mode == "avg" || mode == "max" else { throw node.invalid("mode", "must be avg or max, got '\(mode)'") }
            averages = mode == "avg"
            outputHeight = try node.int("output_height", default: 1)
            outputWidth = try node.int("output_width", default: 1)
            samplingRatio = try node.int("sampling_ratio", default: 0)
            spatialScale = try node.float("spatial_scale", default: 1)
            let transform = try node.string("coordinate_transformation_mode", default: version >= 16 ? "half_pixel" : "output_half_pixel")
            guard transform == "half_pixel" || transform == "output_half_pixel" else {
                throw node.invalid("coordinate_transformation_mode", "must be half_pixel or output_half_pixel, got '\(transform)'")
            }
            halfPixel = transform == "half_pixel"
            guard outputHeight >= 1, outputWidth >= 1, samplingRatio >= 0 else {
                throw node.invalid("output_height/output_width/sampling_ratio", "sizes must be positive and sampling_ratio ≥ 0")
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "X"), rois = try context.required(inputs, 1, "rois")
            let batchIndices = try context.integers(inputs, 2, "batch_indices")
            guard x.rank == 4, x.dtype.isFloatingCompute, rois.rank == 2, rois.shape[1] == 4, batchIndices.count == rois.shape[0] else {
                throw context.invalid("X/rois/batch_indices", "need float X (N, C, H, W), rois (R, 4) and R batch indices; got \(x.shape), \(rois.shape), \(batchIndices.count)")
            }
            let c = x.shape[1], h = x.shape[2], w = x.shape[3]
            let boxes = rois.doubles()
            let planes = try x.reshaped([x.shape[0], c, h * w])
            let bins = outputHeight * outputWidth
            var results: [Tensor] = []
            for r in 0..<rois.shape[0] {
                let b = batchIndices[r]
                guard b >= 0 && b < x.shape[0] else { throw context.invalid("batch_indices", "index \(b) is outside 0..<\(x.shape[0])") }
                let offset = halfPixel ? 0.5 : 0
                let startW = boxes[r * 4] * spatialScale - offset, startH = boxes[r * 4 + 1] * spatialScale - offset
                var roiW = boxes[r * 4 + 2] * spatialScale - offset - startW, roiH = boxes[r * 4 + 3] * spatialScale - offset - startH
                if !halfPixel { roiW = max(roiW, 1); roiH = max(roiH, 1) }
                let binH = roiH / Double(outputHeight), binW = roiW / Double(outputWidth)
                let gridH = samplingRatio > 0 ? samplingRatio : Int((roiH / Double(outputHeight)).rounded(.up))
                let gridW = samplingRatio > 0 ? samplingRatio : Int((roiW / Double(outputWidth)).rounded(.up))
                let samples = max(gridH * gridW, 1)
                // Per bin: samples × 4 corners of (flat index, weight).
                var indices = [Int64](repeating: 0, count: bins * samples * 4)
                var weights = [Double](repeating: 0, count: bins * samples * 4)
                for ph in 0..<outputHeight {
                    for pw in 0..<outputWidth {
                        for iy in 0..<gridH {
                            for ix in 0..<gridW {
                                let k = (((ph * outputWidth + pw) * samples) + iy * gridW + ix) * 4
                                var y = startH + Double(ph) * binH + (Double(iy) + 0.5) * binH / Double(gridH)
                                var xx = startW + Double(pw) * binW + (Double(ix) + 0.5) * binW / Double(gridW)
                                if y < -1 || y > Double(h) || xx < -1 || xx > Double(w) { continue }
                                y = max(y, 0); xx = max(xx, 0)
                                var yLow = Int(y), xLow = Int(xx), yHigh = yLow + 1, xHigh = xLow + 1
                                if yLow >= h - 1 { yLow = h - 1; yHigh = h - 1; y = Double(yLow) }
                                if xLow >= w - 1 { xLow = w - 1; xHigh = w - 1; xx = Double(xLow) }
                                let ly = y - Double(yLow), lx = xx - Double(xLow)
                                let corners = [(yLow, xLow, (1 - ly) * (1 - lx)), (yLow, xHigh, (1 - ly) * lx),
                                               (yHigh, xLow, ly * (1 - lx)), (yHigh, xHigh, ly * lx)]
                                for (j, corner) in corners.enumerated() {
                                    indices[k + j] = Int64(corner.0 * w + corner.1)
                                    weights[k + j] = corner.2
                                }
                            }
                        }
                    }
                }
                let plane = try planes.sliced(starts: [b], ends: [b + 1], axes: [0]).reshaped([c, h * w])
                let values = try plane.gathered(indices: Tensor(shape: [indices.count], scalars: indices), axis: 1)
                let weighted = try values.multiplying(Tensor(shape: [indices.count], scalars: weights).cast(to: x.dtype))
                let pooled: Tensor
                if averages {
                    pooled = try weighted.reshaped([c, bins, samples * 4]).reduce(.sum, axes: [2]).multiplying(1 / Double(samples))
                } else {
                    pooled = try weighted.reshaped([c, bins, samples * 4]).reduce(.max, axes: [2])
                }
                results.append(try pooled.reshaped([1, c, outputHeight, outputWidth]))
            }
            if results.isEmpty { return [Tensor(zeros: [0, c, outputHeight, outputWidth], dtype: x.dtype)] }
            return [try Tensor.concat(results, axis: 0)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            ChannelDescription(mappings: [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: 1)])
        }
    }
}
