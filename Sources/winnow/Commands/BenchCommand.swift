import ArgumentParser

/// `winnow bench ...`: speed measurements with their peer measured in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (medians over repeats, spread reported).",
        subcommands: [BenchCoreCommand.self, BenchInferCommand.self, BenchTrainCommand.self])
}
