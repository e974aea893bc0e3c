import ArgumentParser
import Foundation
import ONNX

/// `winnow conformance DIR`: runs ONNX backend test directories and counts each test once as
/// passed, failed or skipped.
struct ConformanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "Run ONNX backend conformance tests (DIR/test_*/model.onnx with test_data_set_*).",
        discussion: """
            A test is skipped only when its model uses an op type Winnow does not implement at all, \
            or when it is in the nondeterministic list; everything else that goes wrong fails it. \
            Outputs are compared with rtol 1e-3, atol 1e-5 (dtype and shape must match; integers exactly).
            Exit status: 0, or 1 when --expected names a test that did not pass.
            """)

    @Argument(help: "Folder of test directories, e.g. /usr/share/libonnx-testdata/data/node.")
    var directory: String

    @Flag(name: .long, help: "Print one JSON object {total, passed, failed, skipped, tests} on stdout.")
    var json = false

    @Option(name: .long, help: "Run only the tests whose name contains this text.")
    var filter: String?

    @Option(name: .long, help: "A list of test names (one per line, # comments) that must pass; exit 1 naming each that did not.")
    var expected: String?

    @Option(name: .long, help: "The nondeterministic-test list (default: the repository's Tests/conformance/nondeterministic.txt).")
    var nondeterministic: String?

    func run() throws {
        let listURL = nondeterministic.map { URL(fileURLWithPath: $0) } ?? ConformanceRunner.committedNondeterministicList
        var skipList: [String] = []
        if nondeterministic != nil || FileManager.default.fileExists(atPath: listURL.path) {
            skipList = try ConformanceList.read(contentsOf: listURL)
        } else {
            Console.info("note: no nondeterministic list at \(listURL.path); no test is skipped as nondeterministic (pass --nondeterministic FILE)")
        }
        let mustPass = try expected.map { try ConformanceList.read(contentsOf: URL(fileURLWithPath: $0)) }

        let runner = ConformanceRunner(nondeterministic: Set(skipList))
        let summary = try runner.run(directory: URL(fileURLWithPath: directory), filter: filter)
        if summary.total == 0 {
            Console.info("note: no test directories (test_*/model.onnx)\(filter.map { " matching '\($0)'" } ?? "") in \(directory)")
        }

        if json {
            Console.output(Self.json(summary).serialized)
        } else {
            for test in summary.tests where test.status != .passed {
                Console.output("\(test.status.rawValue.uppercased()) \(test.name): \(test.reason)")
            }
            let nonSkipped = summary.passed + summary.failed
            let rate = nonSkipped == 0 ? 0 : 100 * Double(summary.passed) / Double(nonSkipped)
            Console.output("total \(summary.total): passed \(summary.passed), failed \(summary.failed), skipped \(summary.skipped) "
                + "(\(String(format: "%.1f", rate))% of the non-skipped tests pass)")
        }

        guard let mustPass else { return }
        let byName = Dictionary(summary.tests.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var regressions: [String] = []
        for name in mustPass {
            if let filter, !filter.isEmpty, !name.contains(filter) { continue }
            guard let result = byName[name] else {
                regressions.append("\(name): not found in \(directory)")
                continue
            }
            if result.status != .passed { regressions.append("\(name): \(result.status.rawValue): \(result.reason)") }
        }
        if !regressions.isEmpty { throw ConformanceRegression(list: expected ?? "", lines: regressions) }
    }

    static func json(_ summary: ConformanceSummary) -> JSONValue {
        .object([
            ("total", .integer(summary.total)),
            ("passed", .integer(summary.passed)),
            ("failed", .integer(summary.failed)),
            ("skipped", .integer(summary.skipped)),
            ("tests", .array(summary.tests.map { test in
                .object([("name", .string(test.name)), ("status", .string(test.status.rawValue)), ("reason", .string(test.reason))])
            })),
        ])
    }
}

/// Listed tests that did not pass (exit status 1).
struct ConformanceRegression: Error, CustomStringConvertible {
    let list: String
    let lines: [String]

    var description: String {
        "\(lines.count) test(s) listed in \(list) did not pass:\n" + lines.map { "  " + $0 }.joined(separator: "\n")
    }
}
