import ArgumentParser
import Foundation
import ModelGraph
import ONNX
import TensorCore

/// `winnow infer MODEL.onnx --input NAME=FILE.npy ... --out DIR`: runs a model on NPY inputs and
/// writes one NPY per graph output.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run an ONNX model on NPY inputs; write one .npy per output.",
        discussion: """
        Each output is written to DIR as <output name>.npy, with every character outside \
        [A-Za-z0-9._-] replaced by '_'. DIR is created if needed and may hold other files.
        """)

    @Argument(help: "The ONNX model file.")
    var model: String

    @Option(name: .long, parsing: .singleValue,
            help: "A graph input as NAME=FILE.npy (repeat for each input; FILE.npy alone when the model has one input).")
    var input: [String] = []

    @Option(name: .long, help: "Folder for the output .npy files.")
    var out: String

    @Option(name: .long, help: "Run at this batch size instead of the one the file declares.")
    var batch: Int?

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        try threadOptions.apply()
        let graph = try ONNXImporter.load(contentsOf: URL(fileURLWithPath: model))
        if let batch { try graph.setBatchSize(batch) }
        let executor = try Executor(graph: graph)
        var feeds: [String: Tensor] = [:]
        for item in input {
            let name: String, path: String
            if let eq = item.firstIndex(of: "="), !FileManager.default.fileExists(atPath: item) {
                name = String(item[..<eq]); path = String(item[item.index(after: eq)...])
            } else if graph.inputs.count == 1 {
                name = graph.inputs[0].name; path = item
            } else {
                throw ValidationError("--input \(item): give NAME=FILE.npy; the model's inputs are \(graph.inputs.map(\.name).joined(separator: ", "))")
            }
            guard feeds[name] == nil else { throw ValidationError("--input \(name) is given twice") }
            feeds[name] = try NPY.read(contentsOf: URL(fileURLWithPath: path))
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let outputs = try executor.run(feeds)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let directory = URL(fileURLWithPath: out)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("--out \(out): cannot create the folder (\(error.localizedDescription))")
        }
        for info in graph.outputs {
            guard let value = outputs[info.name] else { continue }
            let file = directory.appendingPathComponent(Self.fileName(for: info.name))
            try NPY.write(value, to: file)
            Console.info("\(info.name): \(value.dtype) \(value.shape) -> \(file.path)")
        }
        Console.info(String(format: "ran %d nodes in %.3f s", graph.nodes.count, seconds))
    }

    /// The output's file name: every character outside [A-Za-z0-9._-] replaced by '_'.
    static func fileName(for output: String) -> String {
        let safe = output.unicodeScalars.map { scalar -> String in
            let allowed = (scalar >= "A" && scalar <= "Z") || (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9")
                || scalar == "." || scalar == "_" || scalar == "-"
            return allowed ? String(scalar) : "_"
        }.joined()
        return safe + ".npy"
    }
}
