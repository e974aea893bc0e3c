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
        guard FileManager.default.fileExists(atPath: directory.path) else { return nil }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let steps = names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("step-"), name.hasSuffix(".json"),
                  let step = Int(name.dropFirst(5).dropLast(5)) else { return nil }
            return (step, name)
        }
        guard let best = steps.max(by: { $0.0 < $1.0 }) else { return nil }
        return directory.appendingPathComponent(best.1)
    }
}
