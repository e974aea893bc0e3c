import TensorCore

/// A grid of samples, one row per group (class or source), for looking at a pool.
public struct ContactSheet: Sendable {
    /// Samples per row.
    public var columns: Int
    /// Integer upscale (nearest), so 28- or 32-pixel samples are visible.
    public var scale: Int
    /// Pixels between cells (drawn mid-grey).
    public var gap: Int

    public init(columns: Int = 16, scale: Int = 2, gap: Int = 2) throws {
        guard columns >= 1, columns <= 256, scale >= 1, scale <= 16, gap >= 0, gap <= 16 else {
            throw DatasetsError.invalidOption("contact sheet needs 1...256 columns, scale 1...16 and gap 0...16")
        }
        self.columns = columns; self.scale = scale; self.gap = gap
    }

    /// Rows of storage indices: per class when labelled, else per source; each row takes
    /// `columns` samples spread evenly over its group. At most `maxRows` rows.
    public func rows(for source: some SampleSource, maxRows: Int = 40) -> [(name: String, indices: [Int])] {
        var groups: [(String, [Int])] = []
        if let labels = source.labels {
            var members = [[Int]](repeating: [], count: source.classNames.count)
            for (i, l) in labels.enumerated() where l >= 0 && l < members.count { members[l].append(i) }
            groups = zip(source.classNames, members).map { ($0, $1) }
        } else {
            var order: [String] = [], members: [String: [Int]] = [:]
            for (i, id) in source.ids.enumerated() {
                let s = id.source
                if members[s] == nil { order.append(s) }
                members[s, default: []].append(i)
            }
            groups = order.map { ($0, members[$0] ?? []) }
        }
        return groups.filter { !$0.1.isEmpty }.prefix(maxRows).map { name, members in
            let k = Swift.min(columns, members.count)
            return (name, (0..<k).map { members[$0 * members.count / k] })
        }
    }

    /// Renders `rows` as C×H×W bytes (C = 1 or 3; other channel counts show their first one or
    /// three). Float32 samples are min-max scaled over the sheet.
    public func render(_ source: some SampleSource, rows: [(name: String, indices: [Int])]) throws -> (pixels: [UInt8], channels: Int, width: Int, height: Int) {
        let shape = source.sampleShape
        let c = shape[0], h = shape[1], w = shape[2]
        let shown = c >= 3 ? 3 : 1
        let cellW = w * scale, cellH = h * scale
        let width = columns * cellW + (columns + 1) * gap
        let height = Swift.max(1, rows.count) * cellH + (Swift.max(1, rows.count) + 1) * gap
        guard width * height <= 1 << 28 else { throw DatasetsError.invalidOption("the contact sheet would be \(width)x\(height) pixels; use fewer columns or a smaller scale") }
        var sheet = [UInt8](repeating: 128, count: shown * width * height)
        var lo = 0.0, hi = 255.0
        if source.dtype != .uint8 {
            let all = try source.gather(rows.flatMap(\.indices)).doubles().filter(\.isFinite)
            lo = all.min() ?? 0; hi = all.max() ?? 1
            if hi <= lo { hi = lo + 1 }
        }
        for (r, row) in rows.enumerated() {
            let samples = try source.gather(row.indices).doubles()
            for (k, _) in row.indices.enumerated() {
                let x0 = gap + k * (cellW + gap), y0 = gap + r * (cellH + gap)
                for ch in 0..<shown {
                    for y in 0..<cellH {
                        for x in 0..<cellW {
                            let v = samples[((k * c + ch) * h + y / scale) * w + x / scale]
                            let byte = source.dtype == .uint8 ? v : ((v - lo) / (hi - lo) * 255).rounded()
                            sheet[(ch * height + y0 + y) * width + x0 + x] = UInt8(Swift.max(0, Swift.min(255, byte.isFinite ? byte : 0)))
                        }
                    }
                }
            }
        }
        return (sheet, shown, width, height)
    }

    /// Renders and writes a PNG.
    public func write(_ source: some SampleSource, to path: String) throws -> [(name: String, indices: [Int])] {
        let chosen = rows(for: source)
        let image = try render(source, rows: chosen)
        try ImageWriter.write(pixels: image.pixels, channels: image.channels, width: image.width, height: image.height, to: path)
        return chosen
    }
}
