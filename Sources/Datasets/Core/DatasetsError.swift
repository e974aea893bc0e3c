/// What went wrong while reading, tiling, packing or loading data, with the file and a fix.
public enum DatasetsError: Error, CustomStringConvertible, Equatable {
    /// A file could not be opened or decoded (missing, corrupt, truncated, unsupported format).
    case unreadable(path: String, reason: String)
    /// A band index outside 1...bandCount.
    case badBand(path: String, band: Int, bandCount: Int)
    /// Two rasters that must cover the same pixels have different sizes.
    case sizeMismatch(path: String, expected: String, got: String)
    /// An option value that cannot work (size, stride, purity, percentiles, ...).
    case invalidOption(String)
    /// Nothing would be produced (no patch fits, everything skipped, empty folder).
    case emptyResult(String)
    /// A file's content does not follow its format (IDX magic, NPY header, pool manifest).
    case malformed(path: String, reason: String)
    /// A sample id that the dataset does not hold.
    case unknownSample(String)
    /// Writing an output failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .badBand(path, band, count):
            return "\(path) has \(count) band(s); band \(band) does not exist (bands are numbered 1...\(count))"
        case let .sizeMismatch(path, expected, got):
            return "\(path) is \(got) but must be \(expected) (a label raster must cover the same pixel grid as the image)"
        case let .invalidOption(detail):
            return detail
        case let .emptyResult(detail):
            return "empty result: \(detail)"
        case let .malformed(path, reason):
            return "\(path) is malformed: \(reason)"
        case let .unknownSample(id):
            return "no sample with id \(id) in this dataset"
        case let .writeFailed(path, reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
