import ArgumentParser

/// `winnow data ...`: build pools from rasters, image folders and IDX files; inspect pools.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Build packed sample pools (rasters, image folders, IDX) and inspect them.",
        subcommands: [DataTilesCommand.self, DataFolderCommand.self, DataIDXCommand.self, DataMergeCommand.self, DataInfoCommand.self, DataEmbedCommand.self])
}
