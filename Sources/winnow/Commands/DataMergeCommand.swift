import ArgumentParser
import Datasets
import Foundation

/// `winnow data merge POOL... --out POOL`: one pool from several (e.g. rasters that need
/// different bands or nodata values).
struct DataMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Concatenate pools of the same sample shape and dtype into one (ids must be unique).")

    @Argument(help: "The pools to merge, in order.")
    var pools: [String]

    @OptionGroup var output: PoolOutputOptions

    func run() throws {
        let parts = try pools.map { try PackedPool.open(URL(fileURLWithPath: $0)) }
        let merged = try ConcatenatedSource(parts, names: pools)
        var provenance = ["command": DataSupport.commandLine]
        for (k, part) in parts.enumerated() {
            for (key, value) in part.manifest.provenance { provenance["part\(k + 1).\(key)"] = value }
            provenance["part\(k + 1)"] = pools[k]
        }
        try DataSupport.finish(merged, out: output.out, provenance: provenance, overwrite: output.overwrite,
                               json: output.json, skipped: [])
    }
}
