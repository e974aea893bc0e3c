import Foundation
import TensorCore

/// Features on disk keyed by (model SHA-256, output, preprocessing, sample id), so sweeps over
/// clustering or quotas never re-embed. Each row also records a digest of the sample's pixels:
/// a sample whose pixels changed under the same id is a miss, never a stale hit.
///
/// Layout: `DIR/<key>/key.json` and shards `shard-N.npy` (rows × D Float32) with `shard-N.csv`
/// (`id,digest` per row). A shard's CSV is written after its NPY, so a half-written shard
/// (no CSV) is ignored.
public final class FeatureCache {
    /// The folder of this key.
    public let directory: URL
    /// What the features depend on.
    public struct Key: Codable, Equatable, Sendable {
        public var modelSHA256: String
        public var output: String
        public var preprocessing: String
        public init(modelSHA256: String, output: String, preprocessing: String) {
            self.modelSHA256 = modelSHA256; self.output = output; self.preprocessing = preprocessing
        }
    }
    public let key: Key
    /// id → (shard file, row, pixel digest).
    private var index: [String: (shard: String, row: Int, digest: String)] = [:]
    private var shardCount = 0

    /// Opens (creating if needed) the cache for `key` under `root`.
    public init(root: URL, key: Key) throws {
        self.key = key
        let name = String(SHA256.hex("\(key.modelSHA256)\n\(key.output)\n\(key.preprocessing)").prefix(24))
        directory = root.appendingPathComponent(name)
        let fm = FileManager.default
        do { try fm.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw DatasetsError.writeFailed(path: directory.path, reason: error.localizedDescription)
        }
        let keyURL = directory.appendingPathComponent("key.json")
        if let data = fm.contents(atPath: keyURL.path) {
            guard let stored = try? JSONDecoder().decode(Key.self, from: data), stored == key else {
                throw DatasetsError.malformed(path: keyURL.path, reason: "the cache folder belongs to another model or preprocessing; remove \(directory.path)")
            }
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            do { try encoder.encode(key).write(to: keyURL, options: .atomic) } catch {
                throw DatasetsError.writeFailed(path: keyURL.path, reason: error.localizedDescription)
            }
        }
        let shards = (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
        for file in shards.sorted() where file.hasPrefix("shard-") && file.hasSuffix(".csv") {
            let stem = String(file.dropLast(4))
            shardCount = Swift.max(shardCount, Int(stem.dropFirst(6)) ?? 0)
            guard fm.fileExists(atPath: directory.appendingPathComponent(stem + ".npy").path) else { continue }
            let table = try MappedFile(path: directory.appendingPathComponent(file).path)
            for (row, fields) in try SampleTable.parse(table.bytes, path: file).enumerated() where fields.count == 2 {
                index[fields[0]] = (stem, row, fields[1])
            }
        }
    }

    /// Rows held: number of ids with cached features.
    public var count: Int { index.count }

    /// First 16 hex digits of the SHA-256 of sample `index`'s bytes.
    public static func digest(of source: some SampleSource, index: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: source.sampleByteCount)
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { source.copySample(index, into: base) }
        }
        return String(bytes.withUnsafeBytes { SHA256.hex($0) }.prefix(16))
    }

    /// Cached rows for `ids` (nil where absent or where the pixels differ).
    public func lookup(ids: [SampleID], digests: [String]) throws -> [[Float]?] {
        var shards: [String: (Tensor, Int)] = [:]
        var out: [[Float]?] = []
        for (id, digest) in zip(ids, digests) {
            guard let entry = index[id.rawValue], entry.digest == digest else { out.append(nil); continue }
            if shards[entry.shard] == nil {
                let url = directory.appendingPathComponent(entry.shard + ".npy")
                let t: Tensor
                do { t = try NPY.read(contentsOf: url) } catch { throw DatasetsError.malformed(path: url.path, reason: "\(error)") }
                guard t.rank == 2, t.dtype == .float32 else { throw DatasetsError.malformed(path: url.path, reason: "expected rows × D Float32, got \(t.dtype) \(t.shape)") }
                shards[entry.shard] = (t, t.shape[1])
            }
            guard let (tensor, d) = shards[entry.shard], entry.row < tensor.shape[0] else { out.append(nil); continue }
            out.append(tensor.withElements(Float.self) { Array($0[entry.row * d ..< (entry.row + 1) * d]) })
        }
        return out
    }

    /// Adds rows as a new shard.
    public func store(ids: [SampleID], digests: [String], rows: [[Float]]) throws {
        guard let d = rows.first?.count, ids.count == rows.count, digests.count == rows.count else { return }
        shardCount += 1
        let stem = String(format: "shard-%06d", shardCount)
        let tensor = try Tensor(shape: [rows.count, d], scalars: rows.flatMap { $0 })
        let npy = directory.appendingPathComponent(stem + ".npy"), csv = directory.appendingPathComponent(stem + ".csv")
        do { try NPY.write(tensor, to: npy) } catch { throw DatasetsError.writeFailed(path: npy.path, reason: "\(error)") }
        var text = ""
        for (id, digest) in zip(ids, digests) { text += SampleTable.quote(id.rawValue) + "," + digest + "\n" }
        do { try text.write(to: csv, atomically: true, encoding: .utf8) } catch {
            throw DatasetsError.writeFailed(path: csv.path, reason: error.localizedDescription)
        }
        for (row, (id, digest)) in zip(ids, digests).enumerated() { index[id.rawValue] = (stem, row, digest) }
    }
}
