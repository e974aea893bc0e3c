import TensorCore

extension Ops {
    /// ONNX NonMaxSuppression: per batch and class, boxes by descending score (ties: lower index
    /// first) above `score_threshold`, each kept unless its IoU with an already kept box exceeds
    /// `iou_threshold`, at most `max_output_boxes_per_class` (0 when absent). Boxes are corners
    /// [y1, x1, y2, x2] (either order) or, with `center_point_box`, [x, y, width, height].
    /// Output: int64 (selected, 3) rows of [batch, class, box].
    public struct NonMaxSuppression: Operator {
        public static let opType = "NonMaxSuppression"
        public static let versions = [10, 11]
        let centerPointBox: Bool

        public init(node: Node, version: Int) throws {
            let value = try node.int("center_point_box", default: 0)
            guard value == 0 || value == 1 else { throw node.invalid("center_point_box", "must be 0 or 1, got \(value)") }
            centerPointBox = value == 1
        }

        /// A box as (top, left, bottom, right) with top ≤ bottom and left ≤ right.
        struct Box { let top, left, bottom, right: Double }

        func box(_ v: ArraySlice<Double>) -> Box {
            let a = v[v.startIndex], b = v[v.startIndex + 1], c = v[v.startIndex + 2], d = v[v.startIndex + 3]
            if centerPointBox { return Box(top: b - d / 2, left: a - c / 2, bottom: b + d / 2, right: a + c / 2) }
            return Box(top: min(a, c), left: min(b, d), bottom: max(a, c), right: max(b, d))
        }

        static func overlapsTooMuch(_ p: Box, _ q: Box, threshold: Double) -> Bool {
            let width = min(p.right, q.right) - max(p.left, q.left)
            let height = min(p.bottom, q.bottom) - max(p.top, q.top)
            guard width > 0, height > 0 else { return false }
            let intersection = width * height
            let areaP = (p.right - p.left) * (p.bottom - p.top), areaQ = (q.right - q.left) * (q.bottom - q.top)
            let union = areaP + areaQ - intersection
            guard areaP > 0, areaQ > 0, union > 0 else { return false }
            return intersection / union > threshold
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let boxes = try context.required(inputs, 0, "boxes"), scores = try context.required(inputs, 1, "scores")
            guard boxes.rank == 3, boxes.shape[2] == 4, scores.rank == 3,
                  scores.shape[0] == boxes.shape[0], scores.shape[2] == boxes.shape[1] else {
                throw context.invalid("boxes/scores", "need boxes (B, N, 4) and scores (B, C, N); got \(boxes.shape) and \(scores.shape)")
            }
            func scalar(_ index: Int, _ name: String) -> Double? {
                guard index < inputs.count, let t = inputs[index], t.count > 0 else { return nil }
                return t.doubles()[0]
            }
            let limit = max(Int(scalar(2, "max_output_boxes_per_class") ?? 0), 0)
            let iouThreshold = scalar(3, "iou_threshold") ?? 0
            let scoreThreshold = scalar(4, "score_threshold")
            let batches = boxes.shape[0], count = boxes.shape[1], classes = scores.shape[1]
            let boxValues = boxes.doubles(), scoreValues = scores.doubles()
            var selected: [Int64] = []
            for b in 0..<batches {
                let corners = (0..<count).map { box(boxValues[(b * count + $0) * 4 ..< (b * count + $0) * 4 + 4]) }
                for c in 0..<classes {
                    let base = (b * classes + c) * count
                    var candidates = (0..<count).filter { i in scoreThreshold.map { scoreValues[base + i] > $0 } ?? true }
                    candidates.sort { i, j in scoreValues[base + i] != scoreValues[base + j] ? scoreValues[base + i] > scoreValues[base + j] : i < j }
                    var kept: [Int] = []
                    for i in candidates where kept.count < limit {
                        if kept.contains(where: { Self.overlapsTooMuch(corners[i], corners[$0], threshold: iouThreshold) }) { continue }
                        kept.append(i)
                        selected += [Int64(b), Int64(c), Int64(i)]
                    }
                }
            }
            return [try Tensor(shape: [selected.count / 3, 3], scalars: selected)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("NonMaxSuppression selects boxes by value") }
    }
}
