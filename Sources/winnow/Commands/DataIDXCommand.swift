import ArgumentParser
import Datasets
import Foundation

/// `winnow data idx IMAGES [LABELS] --out POOL`: MNIST-style IDX files (plain or gzip).
struct DataIDXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idx",
        abstract: "Pack IDX images (N×H×W bytes, plain or gzip) and optional labels as a pool.",
        discussion: "Fashion-MNIST: /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist). Ids are SOURCE:INDEX.")

    @Argument(help: "The images file (e.g. train-images-idx3-ubyte.gz).")
    var images: String

    @Argument(help: "The labels file (e.g. train-labels-idx1-ubyte.gz).")
    var labels: String?

    @Option(name: .long, help: "Source name in the ids (default: the images file name up to its first '-' or '.').")
    var source: String?

    @Option(name: .long, help: "Class names in label order, comma-separated (default: 0, 1, 2, ...).")
    var classNames: String?

    @OptionGroup var output: PoolOutputOptions

    func run() throws {
        let names = classNames.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let dataset = try IDXReader.dataset(images: images, labels: labels, source: source, classNames: names)
        Console.info("idx: read \(dataset.count) images of \(dataset.sampleShape.dropFirst().map(String.init).joined(separator: "x"))")
        try DataSupport.finish(dataset, out: output.out,
                               provenance: ["command": DataSupport.commandLine, "images": images, "labels": labels ?? ""],
                               overwrite: output.overwrite, json: output.json, skipped: [])
    }
}
