/// One raster read into 8-bit channel planes plus a per-pixel validity map.
public struct RasterImage: Sendable {
    /// Source name (goes into sample ids).
    public let name: String
    public let width: Int
    public let height: Int
    public let channels: Int
    /// C×H×W, row-major; 0 where a pixel is invalid.
    public var pixels: [UInt8]
    /// H×W: 1 where every channel holds a valid value (not nodata, not NaN, not masked).
    public var valid: [UInt8]
    /// Per channel: the (low, high) values stretched to 0 and 255, nil when passed through.
    public let stretches: [(low: Double, high: Double)?]

    /// How non-8-bit values become 8-bit.
    public enum StretchMode: String, Sendable, CaseIterable {
        /// Byte bands pass through; every other type gets the percentile stretch.
        case auto
        /// Every band gets the percentile stretch.
        case always
        /// Values are rounded and clamped to 0...255.
        case never
    }

    /// How to read: stretch mode, percentiles and an optional nodata value that overrides the file's.
    public struct Options: Sendable {
        public var stretch: StretchMode
        public var percentiles: PercentileStretch
        /// Pixels equal to this value are invalid in every band (in addition to the file's masks).
        public var nodata: Double?
        public init(stretch: StretchMode = .auto, percentiles: PercentileStretch? = nil, nodata: Double? = nil) {
            self.stretch = stretch
            self.percentiles = percentiles ?? .standard
            self.nodata = nodata
        }
    }

    /// Opens every file of `spec` and checks bands and sizes without reading pixels; returns
    /// the common (width, height).
    public static func validate(_ spec: RasterSpec) throws -> (width: Int, height: Int) {
        guard let first = spec.channels.first else {
            throw DatasetsError.invalidOption("raster \(spec.name) selects no bands")
        }
        var files: [String: RasterFile] = [:]
        var size: (Int, Int)?
        for channel in spec.channels {
            let file: RasterFile
            if let f = files[channel.path] { file = f } else { file = try RasterFile(path: channel.path); files[channel.path] = file }
            guard channel.band >= 1, channel.band <= file.bandCount else {
                throw DatasetsError.badBand(path: channel.path, band: channel.band, bandCount: file.bandCount)
            }
            if let (w, h) = size, w != file.width || h != file.height {
                throw DatasetsError.sizeMismatch(path: channel.path, expected: "\(w)x\(h) like \(first.path)", got: "\(file.width)x\(file.height)")
            }
            size = (file.width, file.height)
        }
        return (size?.0 ?? 0, size?.1 ?? 0)
    }

    /// Reads, masks and stretches the channels of `spec`; with `outputSize` every band is
    /// resampled (bilinear; masks nearest) to that width and height first.
    public static func read(_ spec: RasterSpec, options: Options = Options(),
                            outputSize: (width: Int, height: Int)? = nil) throws -> RasterImage {
        let (fileWidth, fileHeight) = try validate(spec)
        let width = outputSize?.width ?? fileWidth, height = outputSize?.height ?? fileHeight
        let plane = width * height
        var pixels = [UInt8](repeating: 0, count: spec.channels.count * plane)
        var valid = [UInt8](repeating: 1, count: plane)
        var files: [String: RasterFile] = [:]
        var stretches: [(low: Double, high: Double)?] = []
        var planes: [[Double]] = []
        for channel in spec.channels {
            let file: RasterFile
            if let f = files[channel.path] { file = f } else { file = try RasterFile(path: channel.path); files[channel.path] = file }
            let values = try file.read(band: channel.band, outputWidth: width, outputHeight: height)
            if let mask = try file.readMask(band: channel.band, outputWidth: width, outputHeight: height) {
                for i in 0..<plane where mask[i] == 0 { valid[i] = 0 }
            }
            for i in 0..<plane where values[i].isNaN || values[i] == options.nodata { valid[i] = 0 }
            planes.append(values)
        }
        // Stretch bounds come from pixels valid in every channel, so a patch's colours do not
        // depend on values that the tiler would reject anyway.
        for (c, channel) in spec.channels.enumerated() {
            let info = try files[channel.path].map { try $0.info(band: channel.band) }
            let isByte = info?.dataType == "Byte"
            let values = planes[c]
            let stretch: (low: Double, high: Double)?
            switch options.stretch {
            case .never: stretch = nil
            case .auto where isByte: stretch = nil
            default:
                let bits = (info?.isInteger ?? false) ? info?.bits : nil
                stretch = options.percentiles.bounds(of: values, valid: valid, integerBits: bits).map { (low: $0.0, high: $0.1) }
            }
            stretches.append(stretch)
            pixels.withUnsafeMutableBufferPointer { out in
                let base = c * plane
                if let s = stretch {
                    for i in 0..<plane where valid[i] != 0 { out[base + i] = PercentileStretch.map(values[i], low: s.low, high: s.high) }
                } else {
                    for i in 0..<plane where valid[i] != 0 {
                        let v = values[i].rounded(.toNearestOrEven)
                        out[base + i] = v <= 0 ? 0 : (v >= 255 ? 255 : UInt8(v))
                    }
                }
            }
            planes[c] = []
        }
        return RasterImage(name: spec.name, width: width, height: height, channels: spec.channels.count,
                           pixels: pixels, valid: valid, stretches: stretches)
    }
}

extension PercentileStretch {
    /// 2nd to 98th percentile.
    public static let standard = PercentileStretch(uncheckedLow: 2, high: 98)
    init(uncheckedLow low: Double, high: Double) { self.low = low; self.high = high }
}
