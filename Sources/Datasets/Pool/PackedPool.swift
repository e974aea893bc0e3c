import Foundation
import TensorCore

/// A pool on disk: `images.npy` (N×C×H×W, memory-mapped on open), `samples.csv` (`id,label`)
/// and `manifest.json` (shape, classes, SHA-256 of the pixels). Opening reads the manifest and
/// the table and maps the pixels: no pixel is copied until a batch asks for it.
public final class PackedPool: SampleSource {
    /// The pool folder.
    public let directory: URL
    public let manifest: PoolManifest
    public let ids: [SampleID]
    public let labels: [Int]?
    public let classNames: [String]
    public let sampleShape: [Int]
    public let dtype: DType
    private let mapping: MappedFile
    private let dataOffset: Int

    public var count: Int { ids.count }

    static let manifestName = "manifest.json"

    /// Opens the pool at `directory`, checking that manifest, table and NPY header agree.
    public static func open(_ directory: URL) throws -> PackedPool { try PackedPool(directory: directory) }

    private init(directory: URL) throws {
        self.directory = directory
        let manifestURL = directory.appendingPathComponent(Self.manifestName)
        guard let manifestData = FileManager.default.contents(atPath: manifestURL.path) else {
            throw DatasetsError.unreadable(path: manifestURL.path, reason: "no pool manifest here (make a pool with `winnow data tiles|folder|idx ... --out DIR`)")
        }
        let manifest: PoolManifest
        do { manifest = try JSONDecoder().decode(PoolManifest.self, from: manifestData) } catch {
            throw DatasetsError.malformed(path: manifestURL.path, reason: "not a pool manifest (\(error))")
        }
        guard manifest.format == PoolManifest.formatName, manifest.version == PoolManifest.currentVersion else {
            throw DatasetsError.malformed(path: manifestURL.path, reason: "format \(manifest.format) version \(manifest.version) is not \(PoolManifest.formatName) version \(PoolManifest.currentVersion)")
        }
        for name in [manifest.images, manifest.samples] where name.contains("/") || name.hasPrefix(".") {
            throw DatasetsError.malformed(path: manifestURL.path, reason: "file name \(name) must lie inside the pool folder")
        }
        guard let dtype = DType(rawValue: manifest.dtype), dtype == .uint8 || dtype == .float32 else {
            throw DatasetsError.malformed(path: manifestURL.path, reason: "dtype \(manifest.dtype) is not uint8 or float32")
        }
        let imagesURL = directory.appendingPathComponent(manifest.images)
        let header: NPYHeader
        do { header = try NPY.readHeader(contentsOf: imagesURL) } catch {
            throw DatasetsError.malformed(path: imagesURL.path, reason: "\(error)")
        }
        guard header.dtype == dtype, header.shape == [manifest.count] + manifest.shape, !header.fortranOrder,
              !(header.bigEndian && dtype.byteSize > 1) else {
            throw DatasetsError.malformed(path: imagesURL.path, reason: "holds \(header.dtype) \(header.shape)\(header.fortranOrder ? " in Fortran order" : "") but the manifest promises \(manifest.dtype) \([manifest.count] + manifest.shape) in C order")
        }
        let mapping = try MappedFile(path: imagesURL.path)
        guard mapping.bytes.count >= header.dataOffset + header.byteCount else {
            throw DatasetsError.malformed(path: imagesURL.path, reason: "truncated: \(header.byteCount) pixel bytes promised, \(max(0, mapping.bytes.count - header.dataOffset)) present")
        }
        let tableURL = directory.appendingPathComponent(manifest.samples)
        let table = try MappedFile(path: tableURL.path)
        let rows = try SampleTable.parse(table.bytes, path: tableURL.path)
        guard rows.first == ["id", "label"] else {
            throw DatasetsError.malformed(path: tableURL.path, reason: "the first row must be the header id,label")
        }
        guard rows.count - 1 == manifest.count else {
            throw DatasetsError.malformed(path: tableURL.path, reason: "\(rows.count - 1) rows for \(manifest.count) samples")
        }
        var classIndex: [String: Int] = [:]
        for (i, name) in manifest.classes.enumerated() { classIndex[name] = i }
        var ids: [SampleID] = []
        ids.reserveCapacity(manifest.count)
        var labels: [Int] = []
        var seen = Set<String>(minimumCapacity: manifest.count)
        for (r, row) in rows.dropFirst().enumerated() {
            guard row.count == 2, !row[0].isEmpty else {
                throw DatasetsError.malformed(path: tableURL.path, reason: "row \(r + 2) has \(row.count) fields, not id,label")
            }
            guard seen.insert(row[0]).inserted else {
                throw DatasetsError.malformed(path: tableURL.path, reason: "id \(row[0]) appears twice (row \(r + 2))")
            }
            ids.append(SampleID(row[0]))
            if !manifest.classes.isEmpty {
                guard let label = classIndex[row[1]] else {
                    throw DatasetsError.malformed(path: tableURL.path, reason: "row \(r + 2): class '\(row[1])' is not in the manifest's classes")
                }
                labels.append(label)
            }
        }
        self.manifest = manifest
        self.ids = ids
        self.labels = manifest.classes.isEmpty ? nil : labels
        self.classNames = manifest.classes
        self.sampleShape = manifest.shape
        self.dtype = dtype
        self.mapping = mapping
        self.dataOffset = header.dataOffset
    }

    /// The mapped pixel bytes of every sample (N·C·H·W elements of `dtype`).
    public var pixelBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: mapping.bytes[dataOffset ..< dataOffset + count * sampleByteCount])
    }

    public func copySample(_ index: Int, into destination: UnsafeMutableRawPointer) {
        let bytes = sampleByteCount
        guard let base = mapping.bytes.baseAddress else { return }
        destination.copyMemory(from: base + dataOffset + index * bytes, byteCount: bytes)
    }

    /// Recomputes the SHA-256 of the pixels; true when it matches the manifest.
    public func verify() -> Bool { SHA256.hex(pixelBytes) == manifest.pixelsSHA256 }

    // MARK: Writing

    /// Writes `source` (or its `subset`) as a pool in `directory`. Existing pool files there are
    /// replaced only with `overwrite`; other files in the folder are left alone. The manifest is
    /// written last, so a folder without one is never mistaken for a finished pool.
    @discardableResult
    public static func write(_ source: some SampleSource, subset: Subset? = nil, to directory: URL,
                             provenance: [String: String] = [:], overwrite: Bool = false) throws -> PoolManifest {
        let indices = try subset?.indices(in: source) ?? Array(0..<source.count)
        guard !indices.isEmpty else { throw DatasetsError.emptyResult("no samples to write to \(directory.path)") }
        let fm = FileManager.default
        let names = (images: "images.npy", samples: "samples.csv")
        let manifestURL = directory.appendingPathComponent(manifestName)
        if fm.fileExists(atPath: manifestURL.path) {
            guard overwrite else {
                throw DatasetsError.writeFailed(path: directory.path, reason: "a pool already exists there (pass --overwrite to replace it)")
            }
            try? fm.removeItem(at: manifestURL)
        }
        do { try fm.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw DatasetsError.writeFailed(path: directory.path, reason: "\(error.localizedDescription)")
        }
        let images: Tensor
        if let data = source as? Dataset, subset == nil { images = data.images } else { images = try source.gather(indices) }
        let ids = indices.map { source.ids[$0] }
        let labels = source.labels.map { l in indices.map { l[$0] } }
        let digest: String = images.dtype == .uint8
            ? images.withElements(UInt8.self) { SHA256.hex(UnsafeRawBufferPointer($0)) }
            : images.withElements(Float.self) { SHA256.hex(UnsafeRawBufferPointer($0)) }
        let imagesURL = directory.appendingPathComponent(names.images)
        do { try NPY.write(images, to: imagesURL) } catch {
            throw DatasetsError.writeFailed(path: imagesURL.path, reason: "\(error)")
        }
        let tableURL = directory.appendingPathComponent(names.samples)
        do {
            try SampleTable.encode(ids: ids, labels: labels, classNames: source.classNames).write(to: tableURL, atomically: true, encoding: .utf8)
        } catch {
            throw DatasetsError.writeFailed(path: tableURL.path, reason: error.localizedDescription)
        }
        let manifest = PoolManifest(format: PoolManifest.formatName, version: PoolManifest.currentVersion, count: ids.count,
                                    shape: source.sampleShape, dtype: images.dtype.rawValue, images: names.images,
                                    samples: names.samples, classes: labels == nil ? [] : source.classNames,
                                    pixelsSHA256: digest, provenance: provenance)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try encoder.encode(manifest).write(to: manifestURL, options: .atomic) } catch {
            throw DatasetsError.writeFailed(path: manifestURL.path, reason: error.localizedDescription)
        }
        return manifest
    }
}
