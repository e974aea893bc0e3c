import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// The `winnow` command line: thin, it parses and calls the layers.
struct Winnow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winnow",
        abstract: "Compress deep-learning models and their training data together.",
        subcommands: [InferCommand.self, InspectCommand.self, ConformanceCommand.self, BenchCommand.self, DataCommand.self, TrainCommand.self, ZooCommand.self])
}

// Exit codes: 0 success, 2 bad usage (unknown flag, invalid value), 1 any other failure.
do {
    var command = try Winnow.parseAsRoot()
    try command.run()
} catch {
    let code = Winnow.exitCode(for: error)
    let message = Winnow.fullMessage(for: error)
    if code == .success {
        if !message.isEmpty { print(message) }
        exit(0)
    }
    Console.info(message.isEmpty ? "error: \(error)" : message)
    exit(code == .validationFailure ? 2 : 1)
}
