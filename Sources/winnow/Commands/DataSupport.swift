import ArgumentParser
import Datasets
import Foundation

/// Pieces the `winnow data` commands share: the pool summary (text and JSON), list parsing.
enum DataSupport {
    /// `{"count", "shape", "dtype", "classes": {name: count}, "sources": {name: count}}`.
    static func summary(_ source: any SampleSource) -> [(String, JSONValue)] {
        [
            ("count", .integer(source.count)),
            ("shape", .array(source.sampleShape.map { .integer($0) })),
            ("dtype", .string(source.dtype.rawValue)),
            ("classes", .object(source.classCounts.map { ($0.name, .integer($0.count)) })),
            ("sources", .object(source.sourceCounts.map { ($0.name, .integer($0.count)) })),
        ]
    }

    /// Human-readable summary lines.
    static func describe(_ source: any SampleSource, path: String) -> [String] {
        var lines = ["\(path): \(source.count) samples, \(source.dtype) \(source.sampleShape.map(String.init).joined(separator: "x")) (C×H×W)"]
        let sources = source.sourceCounts
        lines.append("sources (\(sources.count)):")
        for s in sources { lines.append("  \(s.name.padding(toLength: max(24, s.name.count), withPad: " ", startingAt: 0)) \(s.count)") }
        let classes = source.classCounts
        if classes.isEmpty {
            lines.append("classes: none (unlabelled)")
        } else {
            lines.append("classes (\(classes.count)):")
            for c in classes { lines.append("  \(c.name.padding(toLength: max(24, c.name.count), withPad: " ", startingAt: 0)) \(c.count)") }
        }
        return lines
    }

    /// "3,2,1" -> [3, 2, 1].
    static func integers(_ text: String, option: String) throws -> [Int] {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
            throw ValidationError("\(option) \(text): expected comma-separated integers, e.g. 3,2,1")
        }
        return parts.compactMap { $0 }
    }

    /// "2,98" -> (2, 98).
    static func doubles(_ text: String, option: String) throws -> [Double] {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
            throw ValidationError("\(option) \(text): expected comma-separated numbers, e.g. 2,98")
        }
        return parts.compactMap { $0 }
    }

    /// Writes the pool, then reports it (text to stderr, or one JSON object on stdout).
    static func finish(_ source: some SampleSource, out: String, provenance: [String: String], overwrite: Bool,
                       json: Bool, skipped: [String]) throws {
        let url = URL(fileURLWithPath: out)
        let manifest = try PackedPool.write(source, to: url, provenance: provenance, overwrite: overwrite)
        let pool = try PackedPool.open(url)
        if json {
            Console.output(JSONValue.object(summary(pool) + [
                ("path", .string(url.path)),
                ("pixels_sha256", .string(manifest.pixelsSHA256)),
                ("skipped", .array(skipped.map { .string($0) })),
            ]).serialized)
        } else {
            for line in describe(pool, path: url.path) { Console.info(line) }
            if !skipped.isEmpty { Console.info("skipped \(skipped.count) unreadable file(s): \(skipped.joined(separator: ", "))") }
            Console.info("pixels sha256 \(manifest.pixelsSHA256)")
        }
    }

    /// The command line as typed (for the manifest's provenance).
    static var commandLine: String { CommandLine.arguments.joined(separator: " ") }
}

/// Options every pool-building command takes.
struct PoolOutputOptions: ParsableArguments {
    @Option(name: .long, help: "Folder for the pool (images.npy, samples.csv, manifest.json).")
    var out: String

    @Flag(name: .long, help: "Replace a pool already in --out (other files there are kept).")
    var overwrite = false

    @Flag(name: .long, help: "Print one JSON object describing the pool on stdout.")
    var json = false

    @Flag(name: .long, help: "Fail on the first unreadable file instead of skipping it with a warning.")
    var strict = false
}
