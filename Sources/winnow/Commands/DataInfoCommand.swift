import ArgumentParser
import Datasets
import Foundation

/// `winnow data info POOL [--json] [--sheet FILE.png]`: counts per class and source.
struct DataInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a pool: count, shape, dtype, samples per class and per source; optionally a contact sheet.")

    @Argument(help: "The pool folder.")
    var pool: String

    @Flag(name: .long, help: "Print one JSON object on stdout: count, shape, dtype, classes, sources.")
    var json = false

    @Option(name: .long, help: "Write a contact sheet PNG: one row per class (labelled) or per source.")
    var sheet: String?

    @Option(name: .long, help: "Samples per contact-sheet row.")
    var columns = 16

    @Flag(name: .long, help: "Recompute the SHA-256 of the pixels and compare it with the manifest.")
    var verify = false

    func run() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let source = try PackedPool.open(URL(fileURLWithPath: pool))
        let openSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var extra: [(String, JSONValue)] = []
        var damaged = false
        if verify {
            let ok = source.verify()
            damaged = !ok
            extra.append(("verified", .bool(ok)))
            if ok { Console.info("pixels match the manifest's SHA-256 (\(source.manifest.pixelsSHA256))") }
            if !ok { Console.info("error: the pixels of \(pool) do not match the manifest's SHA-256 (the pool was changed or damaged)") }
        }
        if let sheet {
            let rows = try ContactSheet(columns: columns).write(source, to: sheet)
            Console.info("contact sheet \(sheet): rows \(rows.map(\.name).joined(separator: ", "))")
        }
        if json {
            Console.output(JSONValue.object(DataSupport.summary(source) + extra).serialized)
        } else {
            for line in DataSupport.describe(source, path: pool) { Console.output(line) }
        }
        Console.info(String(format: "opened in %.3f s", openSeconds))
        if damaged { throw ExitCode.failure }
    }
}
