/// Cuts a raster into square patches on a regular grid, skipping patches that touch an
/// invalid pixel and, with a label raster, patches whose majority class is not pure enough.
public struct RasterTiler: Sendable {
    /// Patch side in pixels.
    public let size: Int
    /// Step between patch origins in pixels.
    public let stride: Int
    /// Minimum fraction of the patch's pixels that carry the majority class (label rasters only).
    public let purity: Double

    public init(size: Int, stride: Int, purity: Double = 0.5) throws {
        guard size >= 1, size <= 4096 else { throw DatasetsError.invalidOption("--size must be between 1 and 4096, got \(size)") }
        guard stride >= 1 else { throw DatasetsError.invalidOption("--stride must be at least 1, got \(stride)") }
        guard purity >= 0, purity <= 1 else { throw DatasetsError.invalidOption("--purity must be in [0, 1], got \(purity)") }
        self.size = size; self.stride = stride; self.purity = purity
    }

    /// A kept patch: top-left pixel (`y` row, `x` column) and, with labels, its class.
    public struct Patch: Sendable, Equatable {
        public let y: Int
        public let x: Int
        /// Index into the label raster's `classValues`, nil without labels.
        public let label: Int?
        /// Fraction of pixels carrying `label` (1 without labels).
        public let purity: Double
    }

    /// Grid positions along an axis of `length` pixels.
    public func positions(along length: Int) -> Int { length < size ? 0 : (length - size) / stride + 1 }

    /// Every grid position before filtering (for the "empty result" check before any work).
    public func gridCount(width: Int, height: Int) -> Int { positions(along: width) * positions(along: height) }

    /// The patches of `image` that pass the validity and purity filters, row by row.
    public func patches(of image: RasterImage, labels: LabelRaster? = nil) throws -> [Patch] {
        if let labels, labels.width != image.width || labels.height != image.height {
            throw DatasetsError.sizeMismatch(path: labels.path, expected: "\(image.width)x\(image.height) like \(image.name)",
                                             got: "\(labels.width)x\(labels.height)")
        }
        let w = image.width, h = image.height
        // Summed-area table of invalid pixels: O(1) "does this patch touch nodata".
        var integral = [Int32](repeating: 0, count: (w + 1) * (h + 1))
        for y in 0..<h {
            var row: Int32 = 0
            for x in 0..<w {
                row += image.valid[y * w + x] == 0 ? 1 : 0
                integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row
            }
        }
        func invalidCount(_ y: Int, _ x: Int) -> Int32 {
            let a = integral[y * (w + 1) + x], b = integral[y * (w + 1) + x + size]
            let c = integral[(y + size) * (w + 1) + x], d = integral[(y + size) * (w + 1) + x + size]
            return d - b - c + a
        }
        var histogram = [Int](repeating: 0, count: labels?.classValues.count ?? 0)
        var out: [Patch] = []
        for py in 0..<positions(along: h) {
            for px in 0..<positions(along: w) {
                let y = py * stride, x = px * stride
                if invalidCount(y, x) != 0 { continue }
                guard let labels else { out.append(Patch(y: y, x: x, label: nil, purity: 1)); continue }
                for k in histogram.indices { histogram[k] = 0 }
                for row in y..<(y + size) {
                    for col in x..<(x + size) {
                        let code = labels.codes[row * w + col]
                        if code >= 0 { histogram[Int(code)] += 1 }
                    }
                }
                // Ties go to the smaller class value (the first index).
                var best = -1, bestCount = 0
                for (k, n) in histogram.enumerated() where n > bestCount { best = k; bestCount = n }
                let fraction = Double(bestCount) / Double(size * size)
                if best >= 0, fraction >= purity { out.append(Patch(y: y, x: x, label: best, purity: fraction)) }
            }
        }
        return out
    }

    /// The pixels of `patches` as N×C×size×size bytes.
    public func extract(_ patches: [Patch], from image: RasterImage) -> [UInt8] {
        let c = image.channels, s = size, plane = image.width * image.height
        var out = [UInt8](repeating: 0, count: patches.count * c * s * s)
        out.withUnsafeMutableBufferPointer { dst in
            image.pixels.withUnsafeBufferPointer { src in
                for (n, p) in patches.enumerated() {
                    for ch in 0..<c {
                        for row in 0..<s {
                            let from = ch * plane + (p.y + row) * image.width + p.x
                            let to = ((n * c + ch) * s + row) * s
                            for col in 0..<s { dst[to + col] = src[from + col] }
                        }
                    }
                }
            }
        }
        return out
    }
}
