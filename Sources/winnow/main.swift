import ArgumentParser

/// The `winnow` command line: thin, it parses and calls the layers.
struct Winnow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winnow",
        abstract: "Compress deep-learning models and their training data together.",
        subcommands: [BenchCommand.self])
}

Winnow.main()
