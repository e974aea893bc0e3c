import ArgumentParser
import Datasets
import Foundation

/// `winnow data folder DIR --out POOL`: a labelled pool from one sub-folder per class.
struct DataFolderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folder",
        abstract: "Pack a folder of class sub-folders (PNG/JPEG/TIFF) as a labelled pool.",
        discussion: "The layout of UC Merced, AID, NWPU-RESISC45, EuroSAT: DIR/<class>/<image>. Ids are DIR:<class>/<file>.")

    @Argument(help: "The folder holding one sub-folder per class.")
    var directory: String

    @Option(name: .long, help: "Resize every image to SIZE×SIZE (bilinear); without it all images must share one size.")
    var size: Int?

    @Option(name: .long, help: "Bands to take from every image, e.g. 4,3,2 (default: first three non-alpha, or grey).")
    var bands: String?

    @OptionGroup var output: PoolOutputOptions

    func run() throws {
        let reader = ImageFolderReader(bands: try bands.map { try DataSupport.integers($0, option: "--bands") },
                                       size: size, strict: output.strict)
        var skipped: [String] = []
        let start = DispatchTime.now().uptimeNanoseconds
        let dataset = try reader.read(directory) { warning in
            Console.info(warning)
            if warning.hasPrefix("warning: skipping ") { skipped.append(warning) }
        }
        Console.info(String(format: "folder: read %d images in %.1f s", dataset.count, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        try DataSupport.finish(dataset, out: output.out,
                               provenance: ["command": DataSupport.commandLine, "folder": directory, "size": size.map(String.init) ?? "as stored"],
                               overwrite: output.overwrite, json: output.json, skipped: skipped)
    }
}
