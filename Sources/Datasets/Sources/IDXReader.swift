import CGDAL
import Foundation
import TensorCore

/// The IDX format of MNIST and Fashion-MNIST (plain or gzip): big-endian header, then values.
public enum IDXReader {
    /// An IDX array: its dimensions and unsigned-byte values.
    public struct Contents: Sendable {
        public let shape: [Int]
        public let values: [UInt8]
    }

    /// Reads an IDX file of unsigned bytes (type 0x08), gunzipping when it starts with 1f 8b.
    public static func read(path: String) throws -> Contents {
        let bytes = try contents(path)
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
            throw DatasetsError.malformed(path: path, reason: "it does not start with the IDX magic 00 00 (is it an IDX file?)")
        }
        guard bytes[2] == 0x08 else {
            throw DatasetsError.malformed(path: path, reason: String(format: "element type 0x%02x is not supported (only unsigned bytes, 0x08)", bytes[2]))
        }
        let rank = Int(bytes[3])
        guard rank >= 1, rank <= 4, bytes.count >= 4 + 4 * rank else {
            throw DatasetsError.malformed(path: path, reason: "rank \(rank) header is cut off or not 1...4")
        }
        var shape: [Int] = []
        var total = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let size = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            shape.append(size)
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, product <= 1 << 36 else { throw DatasetsError.malformed(path: path, reason: "shape \(shape) is too large") }
            total = product
        }
        let start = 4 + 4 * rank
        guard bytes.count - start >= total else {
            throw DatasetsError.malformed(path: path, reason: "truncated: shape \(shape) needs \(total) value bytes, the file holds \(bytes.count - start)")
        }
        return Contents(shape: shape, values: Array(bytes[start ..< start + total]))
    }

    /// The whole file; gzip goes through GDAL's /vsigzip/ reader (zlib), so no extra library.
    static func contents(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw DatasetsError.unreadable(path: path, reason: reason)
        }
        let head = (try? handle.read(upToCount: 2)) ?? Data()
        guard head.count == 2, head[head.startIndex] == 0x1f, head[head.startIndex + 1] == 0x8b else {
            try? handle.seek(toOffset: 0)
            let data = (try? handle.readToEnd()) ?? Data()
            try? handle.close()
            return [UInt8](data)
        }
        try? handle.close()
        GDAL.ensureRegistered()
        GDAL.resetError()
        guard let file = VSIFOpenL("/vsigzip/" + path, "rb") else {
            throw DatasetsError.unreadable(path: path, reason: GDAL.lastError(or: "not a readable gzip file"))
        }
        defer { _ = VSIFCloseL(file) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { VSIFReadL($0.baseAddress, 1, $0.count, file) }
            out.append(contentsOf: chunk[0..<n])
            if n < chunk.count { break }
        }
        if CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal {
            throw DatasetsError.unreadable(path: path, reason: "the gzip stream is corrupt or truncated (\(GDAL.lastError(or: "read error")))")
        }
        return out
    }

    /// Images (N×H×W) and optional labels (N) as a UInt8 N×1×H×W dataset with ids
    /// `source:index`. `source` defaults to the images file's name up to its first `-` or `.`.
    public static func dataset(images imagesPath: String, labels labelsPath: String?, source: String? = nil,
                               classNames: [String]? = nil) throws -> Dataset {
        let images = try read(path: imagesPath)
        guard images.shape.count == 3 else {
            throw DatasetsError.malformed(path: imagesPath, reason: "images must be N×H×W, got shape \(images.shape)")
        }
        let n = images.shape[0]
        guard n > 0 else { throw DatasetsError.emptyResult("\(imagesPath) holds no images") }
        var labels: [Int]?
        var names: [String] = []
        if let labelsPath {
            let l = try read(path: labelsPath)
            guard l.shape == [n] else {
                throw DatasetsError.sizeMismatch(path: labelsPath, expected: "\(n) labels (one per image in \(imagesPath))", got: "shape \(l.shape)")
            }
            let values = l.values.map(Int.init)
            let classCount = (values.max() ?? 0) + 1
            if let classNames {
                guard classNames.count >= classCount else {
                    throw DatasetsError.invalidOption("\(labelsPath) has labels up to \(classCount - 1) but only \(classNames.count) class names were given")
                }
                names = classNames
            } else {
                names = (0..<classCount).map(String.init)
            }
            labels = values
        }
        let name = RasterSpec.sanitized(source ?? defaultSource(imagesPath))
        let tensor = try Tensor(shape: [n, 1, images.shape[1], images.shape[2]], scalars: images.values)
        return try Dataset(images: tensor, ids: (0..<n).map { SampleID(source: name, index: $0) }, labels: labels, classNames: names)
    }

    /// `train-images-idx3-ubyte.gz` -> `train`.
    static func defaultSource(_ path: String) -> String {
        let file = (path as NSString).lastPathComponent
        let stem = file.split(whereSeparator: { $0 == "-" || $0 == "." }).first.map(String.init) ?? file
        return stem.isEmpty ? "idx" : stem
    }
}
