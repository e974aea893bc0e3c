import CGDAL

/// Writes 8-bit images (PNG and anything else GDAL can CreateCopy) through GDAL.
public enum ImageWriter {
    /// Writes `pixels` (C×H×W bytes, C = 1 grey or 3 RGB) to `path` with GDAL driver `driver`.
    public static func write(pixels: [UInt8], channels: Int, width: Int, height: Int, to path: String, driver: String = "PNG") throws {
        guard channels == 1 || channels == 3 || channels == 4, width > 0, height > 0, pixels.count == channels * width * height else {
            throw DatasetsError.invalidOption("cannot write a \(channels)-channel \(width)x\(height) image from \(pixels.count) bytes")
        }
        GDAL.ensureRegistered()
        GDAL.resetError()
        guard let memory = GDALGetDriverByName("MEM"), let output = GDALGetDriverByName(driver) else {
            throw DatasetsError.writeFailed(path: path, reason: "GDAL has no \(driver) driver")
        }
        guard let staging = GDALCreate(memory, "", Int32(width), Int32(height), Int32(channels), GDT_Byte, nil) else {
            throw DatasetsError.writeFailed(path: path, reason: GDAL.lastError(or: "cannot allocate the image"))
        }
        defer { GDALClose(staging) }
        for c in 0..<channels {
            guard let band = GDALGetRasterBand(staging, Int32(c + 1)) else {
                throw DatasetsError.writeFailed(path: path, reason: "band \(c + 1) missing")
            }
            let status = pixels.withUnsafeBytes { raw in
                GDALRasterIO(band, GF_Write, 0, 0, Int32(width), Int32(height),
                             UnsafeMutableRawPointer(mutating: raw.baseAddress! + c * width * height),
                             Int32(width), Int32(height), GDT_Byte, 0, 0)
            }
            guard status == CE_None else { throw DatasetsError.writeFailed(path: path, reason: GDAL.lastError(or: "cannot fill band \(c + 1)")) }
        }
        guard let written = GDALCreateCopy(output, path, staging, 0, nil, nil, nil) else {
            throw DatasetsError.writeFailed(path: path, reason: GDAL.lastError(or: "the \(driver) driver refused the image"))
        }
        GDALClose(written)
    }
}
