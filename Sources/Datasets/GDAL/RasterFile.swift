import CGDAL

/// One raster file opened read-only through GDAL (any TIFF compression, PNG, JPEG, VRT, ...).
public final class RasterFile {
    /// The path as given.
    public let path: String
    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Number of bands (numbered 1...bandCount, as GDAL and the CLI count them).
    public let bandCount: Int
    private let handle: GDALDatasetH

    /// Opens `path`; throws `DatasetsError.unreadable` naming the file when GDAL cannot.
    public init(path: String) throws {
        GDAL.ensureRegistered()
        GDAL.resetError()
        guard let handle = GDALOpen(path, GA_ReadOnly) else {
            throw DatasetsError.unreadable(path: path, reason: GDAL.lastError(or: "not a raster GDAL can open"))
        }
        self.handle = handle
        self.path = path
        width = Int(GDALGetRasterXSize(handle))
        height = Int(GDALGetRasterYSize(handle))
        bandCount = Int(GDALGetRasterCount(handle))
        guard width > 0, height > 0, bandCount > 0 else {
            GDALClose(handle)
            throw DatasetsError.unreadable(path: path, reason: "it has no raster bands (\(width)x\(height), \(bandCount) bands)")
        }
    }

    deinit { GDALClose(handle) }

    /// Facts about one band (1-based), as stored in the file.
    public struct BandInfo: Sendable, Equatable {
        /// GDAL's name for the stored type: Byte, UInt16, Int16, Float32, ...
        public let dataType: String
        /// True for integer storage types.
        public let isInteger: Bool
        /// Bits per stored value.
        public let bits: Int
        /// The nodata value the file declares for this band, if any.
        public let nodata: Double?
        /// GDAL's colour interpretation: Red, Green, Blue, Alpha, Gray, Undefined, ...
        public let colorInterpretation: String
        /// True when GDAL reports that every pixel of the band is valid (no nodata, alpha or mask).
        public let allValid: Bool
    }

    /// The GDAL handle of band `band`, after checking the index.
    private func bandHandle(_ band: Int) throws -> GDALRasterBandH {
        guard band >= 1, band <= bandCount, let h = GDALGetRasterBand(handle, Int32(band)) else {
            throw DatasetsError.badBand(path: path, band: band, bandCount: bandCount)
        }
        return h
    }

    /// Type, nodata and colour interpretation of band `band` (1-based).
    public func info(band: Int) throws -> BandInfo {
        let h = try bandHandle(band)
        let type = GDALGetRasterDataType(h)
        var hasNodata: Int32 = 0
        let nodata = GDALGetRasterNoDataValue(h, &hasNodata)
        let typeName = GDALGetDataTypeName(type).map { String(cString: $0) } ?? "Unknown"
        let interp = GDALGetColorInterpretationName(GDALGetRasterColorInterpretation(h)).map { String(cString: $0) } ?? "Undefined"
        return BandInfo(dataType: typeName,
                        isInteger: GDALDataTypeIsInteger(type) != 0,
                        bits: Int(GDALGetDataTypeSizeBits(type)),
                        nodata: hasNodata != 0 ? nodata : nil,
                        colorInterpretation: interp,
                        allValid: (GDALGetMaskFlags(h) & GMF_ALL_VALID) != 0)
    }

    /// The 1-based index of the file's alpha band, if it has one.
    public func alphaBand() throws -> Int? {
        for b in 1...bandCount where try info(band: b).colorInterpretation == "Alpha" { return b }
        return nil
    }

    /// How to resample when the output size differs from the window.
    public enum Resampling: Sendable { case nearest, bilinear }

    /// A rectangle of pixels: column `x`, row `y`, `width`×`height`.
    public struct Window: Sendable, Equatable {
        public var x: Int, y: Int, width: Int, height: Int
        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x; self.y = y; self.width = width; self.height = height
        }
    }

    /// The whole raster as a window.
    public var fullWindow: Window { Window(x: 0, y: 0, width: width, height: height) }

    /// Reads band `band` over `window` (default: everything) into row-major Doubles of
    /// `outputWidth`×`outputHeight` (default: the window's size, else resampled).
    public func read(band: Int, window: Window? = nil, outputWidth: Int? = nil, outputHeight: Int? = nil,
                     resampling: Resampling = .bilinear) throws -> [Double] {
        try readPixels(band: band, mask: false, window: window, outputWidth: outputWidth, outputHeight: outputHeight,
                       resampling: resampling, as: Double.self, type: GDT_Float64)
    }

    /// GDAL's validity mask of band `band` (0 invalid, non-zero valid: nodata, alpha, internal
    /// masks), or nil when every pixel is valid.
    public func readMask(band: Int, window: Window? = nil, outputWidth: Int? = nil, outputHeight: Int? = nil) throws -> [UInt8]? {
        if try info(band: band).allValid { return nil }
        return try readPixels(band: band, mask: true, window: window, outputWidth: outputWidth, outputHeight: outputHeight,
                              resampling: .nearest, as: UInt8.self, type: GDT_Byte)
    }

    private func readPixels<T>(band: Int, mask: Bool, window: Window?, outputWidth: Int?, outputHeight: Int?,
                               resampling: Resampling, as _: T.Type, type: GDALDataType) throws -> [T] {
        let b = try bandHandle(band)
        guard let h = mask ? GDALGetMaskBand(b) : b else {
            throw DatasetsError.unreadable(path: path, reason: "band \(band) has no mask band")
        }
        let w = window ?? fullWindow
        guard w.x >= 0, w.y >= 0, w.width > 0, w.height > 0, w.x + w.width <= width, w.y + w.height <= height else {
            throw DatasetsError.invalidOption("window \(w) lies outside \(path) (\(width)x\(height))")
        }
        let ow = outputWidth ?? w.width, oh = outputHeight ?? w.height
        guard ow > 0, oh > 0, ow <= 1 << 20, oh <= 1 << 20 else {
            throw DatasetsError.invalidOption("output size \(ow)x\(oh) for \(path) is not between 1 and 1048576")
        }
        var extra = GDALRasterIOExtraArg()
        extra.nVersion = 1
        extra.eResampleAlg = resampling == .bilinear && (ow != w.width || oh != w.height) ? GRIORA_Bilinear : GRIORA_NearestNeighbour
        extra.pfnProgress = nil
        extra.pProgressData = nil
        extra.bFloatingPointWindowValidity = 0
        var out = [T](unsafeUninitializedCapacity: ow * oh) { _, count in count = ow * oh }
        GDAL.resetError()
        let status = out.withUnsafeMutableBytes { buffer in
            GDALRasterIOEx(h, GF_Read, Int32(w.x), Int32(w.y), Int32(w.width), Int32(w.height),
                           buffer.baseAddress, Int32(ow), Int32(oh), type, 0, 0, &extra)
        }
        guard status == CE_None else {
            let what = mask ? "the validity mask of band \(band)" : "band \(band)"
            throw DatasetsError.unreadable(path: path, reason: "reading \(what) failed (\(GDAL.lastError(or: "truncated or corrupt data")))")
        }
        return out
    }
}
