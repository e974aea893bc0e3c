import Foundation
import TensorCore

/// A folder with one sub-folder per class (UC Merced, AID, NWPU-RESISC45, EuroSAT): every
/// PNG/JPEG/TIFF inside becomes a sample with id `folder:class/file` and its class label.
public struct ImageFolderReader {
    /// Bands to take from each image (nil: first three non-alpha bands, or one for grey sets).
    public var bands: [Int]?
    /// Resize every image to size×size (bilinear); nil: all images must share one size.
    public var size: Int?
    /// Fail on the first unreadable file instead of skipping it with a warning.
    public var strict: Bool
    /// Stretch and nodata handling for images that are not 8-bit.
    public var options: RasterImage.Options

    /// Extensions read (lowercased).
    public static let extensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff"]

    public init(bands: [Int]? = nil, size: Int? = nil, strict: Bool = false, options: RasterImage.Options = .init()) {
        self.bands = bands; self.size = size; self.strict = strict; self.options = options
    }

    /// The class folders and their image files, sorted by name (hidden entries ignored).
    public static func listing(_ directory: String) throws -> [(className: String, files: [String])] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetsError.unreadable(path: directory, reason: "not a folder")
        }
        let entries = try fm.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
        var out: [(String, [String])] = []
        for entry in entries {
            let path = (directory as NSString).appendingPathComponent(entry)
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let files = try fm.contentsOfDirectory(atPath: path).filter {
                !$0.hasPrefix(".") && extensions.contains(($0 as NSString).pathExtension.lowercased())
            }.sorted()
            out.append((entry, files))
        }
        return out
    }

    /// Reads the folder; `warn` hears about skipped files (each named) and empty classes.
    public func read(_ directory: String, warn: (String) -> Void = { _ in }) throws -> Dataset {
        if let size, size < 1 || size > 4096 { throw DatasetsError.invalidOption("--size must be between 1 and 4096, got \(size)") }
        let classes = try Self.listing(directory)
        guard !classes.isEmpty else {
            throw DatasetsError.emptyResult("\(directory) has no class sub-folders (expected DIR/<class>/<image>.png|jpg|tif)")
        }
        // Pass 1: headers only, so size and band problems are reported before any pixels are read.
        struct Candidate { let label: Int; let className: String; let file: String; let path: String; let width: Int; let height: Int; let usable: [Int] }
        var candidates: [Candidate] = []
        for (label, entry) in classes.enumerated() {
            if entry.files.isEmpty { warn("warning: class folder \(entry.className) holds no PNG/JPEG/TIFF images") }
            for file in entry.files {
                let path = ((directory as NSString).appendingPathComponent(entry.className) as NSString).appendingPathComponent(file)
                do {
                    let raster = try RasterFile(path: path)
                    let alpha = try raster.alphaBand()
                    let usable = (1...raster.bandCount).filter { $0 != alpha }
                    if let bands, let bad = bands.first(where: { $0 < 1 || $0 > raster.bandCount }) {
                        throw DatasetsError.badBand(path: path, band: bad, bandCount: raster.bandCount)
                    }
                    candidates.append(Candidate(label: label, className: entry.className, file: file, path: path,
                                                width: raster.width, height: raster.height, usable: usable))
                } catch let error as DatasetsError {
                    if case .badBand = error { throw error }
                    if strict { throw error }
                    warn("warning: skipping \(path): \(error)")
                }
            }
        }
        guard let first = candidates.first else { throw DatasetsError.emptyResult("no readable image in \(directory)") }
        let channels = bands?.count ?? (candidates.contains { $0.usable.count >= 3 } ? 3 : 1)
        let width = size ?? first.width, height = size ?? first.height
        if size == nil, let odd = candidates.first(where: { $0.width != width || $0.height != height }) {
            throw DatasetsError.sizeMismatch(path: odd.path, expected: "\(width)x\(height) like \(first.path) (or pass --size to resize all)",
                                             got: "\(odd.width)x\(odd.height)")
        }
        // Pass 2: pixels.
        let sampleBytes = channels * width * height
        var pixels: [UInt8] = []
        pixels.reserveCapacity(candidates.count * sampleBytes)
        var ids: [SampleID] = [], labels: [Int] = []
        let source = RasterSpec.sanitized((directory as NSString).standardizingPath.split(separator: "/").last.map(String.init) ?? "folder")
        for c in candidates {
            let chosen: [Int]
            if let bands { chosen = bands }
            else if channels == 3 { chosen = c.usable.count >= 3 ? Array(c.usable.prefix(3)) : [Int](repeating: c.usable.first ?? 1, count: 3) }
            else { chosen = [c.usable.first ?? 1] }
            let spec = RasterSpec(channels: chosen.map { .init(path: c.path, band: $0) }, name: source)
            do {
                let image = try RasterImage.read(spec, options: options,
                                                 outputSize: (c.width, c.height) == (width, height) ? nil : (width, height))
                pixels.append(contentsOf: image.pixels)
                ids.append(SampleID(source: source, path: "\(c.className)/\(c.file)"))
                labels.append(c.label)
            } catch let error as DatasetsError {
                if strict { throw error }
                warn("warning: skipping \(c.path): \(error)")
            }
        }
        guard !ids.isEmpty else { throw DatasetsError.emptyResult("every image in \(directory) was unreadable") }
        let tensor = try Tensor(shape: [ids.count, channels, height, width], scalars: pixels)
        return try Dataset(images: tensor, ids: ids, labels: labels, classNames: classes.map(\.className))
    }
}
