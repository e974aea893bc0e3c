import ArgumentParser
import TensorCore

@main
struct Winnow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winnow",
        abstract: "Compress deep-learning models and their training data together.",
        subcommands: [])
}
