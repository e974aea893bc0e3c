import ArgumentParser
import Foundation
import ModelGraph
import ModelZoo
import ONNX

/// `winnow zoo build [NAME] [--channels C --size S --classes K] --out DIR`: regenerates the
/// zoo's ONNX files (`Models/` holds the defaults, seed 0).
struct ZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Build the model zoo's ONNX files (lenet-300-100, resnet8, resnet20, ddpm-unet32).",
        subcommands: [ZooBuildCommand.self])
}

struct ZooBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Write NAME.onnx (or every zoo model) into the output folder, IR 8 / opset 17, PyTorch's default initialisation.")

    @Argument(help: "Model name; all models when omitted. One of: \(ZooCatalog.names.joined(separator: ", ")).")
    var name: String?

    @Option(name: .long, help: "Input channels (default: the model's).")
    var channels: Int?

    @Option(name: .long, help: "Input height and width (default: the model's).")
    var size: Int?

    @Option(name: .long, help: "Number of classes, for classifiers (default: 10).")
    var classes: Int?

    @Option(name: .long, help: "Seed of the initial weights.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Output folder (created if missing).")
    var out: String

    @Flag(name: .long, help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        if name == nil && (channels != nil || size != nil || classes != nil) {
            throw ValidationError("--channels, --size and --classes apply to one model; name it, e.g. winnow zoo build resnet8 --channels 3 --size 32 --out DIR")
        }
        if let name, !ZooCatalog.names.contains(name) {
            throw ValidationError("no zoo model named '\(name)'; known models: \(ZooCatalog.names.joined(separator: ", "))")
        }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: out, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var written: [JSONValue] = []
        for model in name.map({ [$0] }) ?? ZooCatalog.names {
            let graph = try ZooCatalog.build(model, channels: channels, size: size, classes: classes, seed: seed)
            let url = folder.appendingPathComponent("\(model).onnx")
            try ONNXExporter.save(graph, to: url)
            let parameters = graph.initializers.filter(\.requiresGrad).reduce(0) { $0 + $1.value.count }
            let bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            let shapes = graph.inputs.map { "\($0)" }.joined(separator: ", ")
            Console.info("\(model): \(parameters) trainable parameters, \(bytes) bytes, inputs \(shapes) -> \(url.path)")
            written.append(.object([("name", .string(model)), ("path", .string(url.path)),
                                    ("parameters", .integer(parameters)), ("bytes", .integer(bytes))]))
        }
        if json { Console.output(JSONValue.object([("models", .array(written))]).serialized) }
    }
}
