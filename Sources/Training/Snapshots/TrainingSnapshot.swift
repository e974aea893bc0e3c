import Datasets
import Foundation
import TensorCore

/// Everything a run needs to continue bit-identically from step `step`: every initializer
/// (BatchNormalization statistics included), optimizer state, masks, the sampler's position
/// and the seed. The schedule is a pure function of the step and every random stream is named
/// by (seed, purpose, step or epoch), so the step and the seed are their whole state.
public struct TrainingSnapshot: Codable, Sendable {
    /// Bumped when the layout changes; older files are refused with a message.
    public static let formatVersion = 1

    public var format: Int
    /// Optimizer steps taken (the schedule's position: the next step is `step`).
    public var step: Int
    public var totalSteps: Int
    /// Seed of the run's streams (sampler order, augmentation, dropout).
    public var seed: UInt64
    /// Seed of the loader's sampler and augmentation streams.
    public var samplerSeed: UInt64
    /// Sampler identity, checked on restore so a snapshot is not applied to other data.
    public var sampleCount: Int
    public var batchSize: Int
    public var sampler: EpochSampler.Position
    public var optimizer: OptimizerState
    public var weights: [String: StoredTensor]
    public var masks: [String: StoredTensor]

    /// The file name a snapshot at `step` gets in a snapshot folder.
    public static func fileName(step: Int) -> String {
        let digits = String(step)
        return "step-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".json"
    }

    /// Writes to a temporary name beside `url` and renames it over `url`, so a kill leaves
    /// either the old file or the new one, never half of one.
    public func write(to url: URL) throws {
        let data: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            data = try encoder.encode(self)
        } catch {
            throw TrainingError.snapshot(path: url.path, detail: "cannot encode: \(error)")
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try data.write(to: temporary)
        } catch {
            throw TrainingError.snapshot(path: url.path, detail: "cannot write \(temporary.path): \(error); check the folder exists and is writable")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw TrainingError.snapshot(path: url.path, detail: "cannot rename the temporary file into place (errno \(code))")
        }
    }

    /// Reads a snapshot written by `write(to:)`.
    public static func read(from url: URL) throws -> TrainingSnapshot {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingError.snapshot(path: url.path, detail: "cannot read: \(error)")
        }
        let snapshot: TrainingSnapshot
        do { snapshot = try JSONDecoder().decode(TrainingSnapshot.self, from: data) } catch {
            throw TrainingError.snapshot(path: url.path, detail: "not a readable snapshot: \(error)")
        }
        guard snapshot.format == formatVersion else {
            throw TrainingError.snapshot(path: url.path, detail: "format \(snapshot.format), this build reads format \(formatVersion)")
        }
        return snapshot
    }

    /// The snapshot in `directory` with the highest step, nil when there is none.
    public static func latest(in directory: URL) throws -> URL? {
        guard let best = try stored(in: directory).last else { return nil }
        return directory.appendingPathComponent(best.name)
    }

    /// Snapshot files (`step-NNNNNNNN.json`) in `directory` with their steps, oldest step first.
    static func stored(in directory: URL) throws -> [(step: Int, name: String)] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw TrainingError.snapshot(path: directory.path, detail: "cannot list the snapshot folder: \(error)")
        }
        return names.compactMap { name -> (step: Int, name: String)? in
            guard name.hasPrefix("step-"), name.hasSuffix(".json"),
                  let step = Int(name.dropFirst(5).dropLast(5)) else { return nil }
            return (step, name)
        }.sorted { ($0.step, $0.name) < ($1.step, $1.name) }
    }

    /// Removes snapshot files from `directory` until `count` remain: `protecting` (the one just
    /// written) stays whatever its step, and of the others those with the highest steps stay, so
    /// `latest(in:)` still finds the newest. Returns the removed files. Other files are left alone.
    @discardableResult
    public static func prune(in directory: URL, keeping count: Int, protecting: URL) throws -> [URL] {
        guard count >= 1 else {
            throw TrainingError.invalidHyperparameter(owner: "snapshot retention", name: "keep", detail: "is \(count); keep at least one snapshot")
        }
        let kept = protecting.lastPathComponent
        let others = try stored(in: directory).filter { $0.name != kept }
        let removable = others.dropLast(count - 1)
        var removed: [URL] = []
        for entry in removable {
            let url = directory.appendingPathComponent(entry.name)
            do { try FileManager.default.removeItem(at: url) } catch {
                throw TrainingError.snapshot(path: url.path, detail: "cannot remove an old snapshot: \(error); check the folder is writable or keep all snapshots")
            }
            removed.append(url)
        }
        return removed
    }
}
