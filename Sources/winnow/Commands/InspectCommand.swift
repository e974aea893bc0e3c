import ArgumentParser
import Foundation
import Metrics
import ModelGraph
import ONNX
import TensorCore

/// `winnow inspect MODEL.onnx [--json]`: what a model holds and costs.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Inputs, outputs, op histogram, parameters, MACs per node, initializer sparsity, checker verdict.")

    @Argument(help: "The ONNX model file.")
    var model: String

    @Flag(name: .long, help: "Print one JSON object on stdout.")
    var json = false

    @Option(name: .long, help: "Size for symbolic input axes (the batch) when counting MACs.")
    var batch: Int = 1

    @Option(name: .long, parsing: .singleValue,
            help: "Shape of an input with symbolic axes for counting MACs, as NAME=1,3,224,224 (repeatable).")
    var shape: [String] = []

    @Flag(name: .long, help: "List every node (text output lists the 10 costliest).")
    var allNodes = false

    func run() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        let url = URL(fileURLWithPath: model)
        let onnx = try ONNXReader.read(contentsOf: url)
        let checker = ONNXChecker.check(onnx)
        let graph = try ONNXImporter.graph(from: onnx, source: url.path)
        var histogram: [String: Int] = [:]
        for node in graph.nodes { histogram[node.opType, default: 0] += 1 }
        // Folded Constant nodes no longer appear in the graph; count what the file holds.
        var fileHistogram: [String: Int] = [:]
        for node in onnx.graph.nodes { fileHistogram[node.opType, default: 0] += 1 }
        var shapes: [String: [Int]] = [:]
        for item in shape {
            guard let eq = item.firstIndex(of: "="),
                  let sizes = Optional(item[item.index(after: eq)...].split(separator: ",").compactMap { Int($0) }),
                  !sizes.isEmpty, sizes.allSatisfy({ $0 >= 0 }) else {
                throw ValidationError("--shape \(item): expected NAME=d0,d1,... e.g. image=1,3,224,224")
            }
            let name = String(item[..<eq])
            guard graph.inputs.contains(where: { $0.name == name }) else {
                throw ValidationError("--shape \(item): the model has no input '\(name)'; its inputs are \(graph.inputs.map(\.name).joined(separator: ", "))")
            }
            shapes[name] = sizes
        }
        for info in graph.inputs where shapes[info.name] == nil {
            // Axis 0 is the batch; other symbolic axes need a size from the user.
            if let dims = info.shape, dims.dropFirst().contains(where: { $0.value == nil }) {
                let example = dims.enumerated().map { $0.offset == 0 ? "\(batch)" : ($0.element.value.map(String.init) ?? "?") }.joined(separator: ",")
                throw ValidationError("input '\(info.name)' has symbolic axes \(dims); give its shape to count MACs, e.g. --shape \(info.name)=\(example)")
            }
        }
        let profile: GraphProfile?
        let profileError: String?
        do {
            profile = try GraphProfile(graph: graph, symbolicSize: batch, shapes: shapes)
            profileError = nil
        } catch {
            profile = nil
            profileError = "\(error)"
        }
        let size = try profile.map { try ModelSize(graph: graph, profile: $0, file: url) }
        let trainable = graph.initializers.filter(\.requiresGrad)
        let parameterCount = trainable.reduce(0) { $0 + $1.value.count }
        let constantCount = graph.initializers.filter { !$0.requiresGrad }.reduce(0) { $0 + $1.value.count }
        let sparsity: [(Parameter, Int)] = graph.initializers.filter { $0.value.dtype.isFloatingPoint }.map { p in
            (p, p.value.doubles().reduce(0) { $0 + ($1 == 0 ? 1 : 0) })
        }
        let totalZeros = sparsity.filter { $0.0.requiresGrad }.reduce(0) { $0 + $1.1 }

        if json {
            func infoJSON(_ info: ValueInfo) -> JSONValue {
                .object([("name", .string(info.name)), ("dtype", info.dtype.map { .string($0.rawValue) } ?? .null),
                         ("shape", info.shape.map { dims in .array(dims.map { d in d.value.map(JSONValue.integer) ?? .string(d.description) }) } ?? .null)])
            }
            var nodes: [JSONValue] = []
            for entry in profile?.nodes ?? [] {
                nodes.append(.object([
                    ("name", .string(entry.name)), ("op", .string(entry.opType)),
                    ("macs", .integer(entry.cost.macs)), ("parameters", .integer(entry.cost.parameters)),
                    ("output_shapes", .array(entry.outputShapes.map { $0.map { .array($0.map(JSONValue.integer)) } ?? .null })),
                ]))
            }
            let object: JSONValue = .object([
                ("model", .string(url.path)),
                ("ir_version", .integer(graph.irVersion)),
                ("opsets", .object(graph.opsetImports.sorted { $0.key < $1.key }.map { ($0.key.isEmpty ? "ai.onnx" : $0.key, .integer($0.value)) })),
                ("producer", .string([graph.producerName, graph.producerVersion].filter { !$0.isEmpty }.joined(separator: " "))),
                ("checker", .string(checker.description)),
                ("inputs", .array(graph.inputs.map(infoJSON))),
                ("outputs", .array(graph.outputs.map(infoJSON))),
                ("ops", .object(fileHistogram.sorted { $0.key < $1.key }.map { ($0.key, .integer($0.value)) })),
                ("nodes_after_folding", .integer(graph.nodes.count)),
                ("parameters", .integer(parameterCount)),
                ("constants", .integer(constantCount)),
                ("sparsity", .number(parameterCount > 0 ? Double(totalZeros) / Double(parameterCount) : 0)),
                ("macs", profile.map { .integer($0.totalMACs) } ?? .null),
                ("effective_macs", size.map { .integer($0.effectiveMACs) } ?? .null),
                ("nonzero_parameters", .integer(parameterCount - totalZeros)),
                ("file_bytes", (try? ModelSize.fileBytes(of: url)).map(JSONValue.integer) ?? .null),
                ("macs_batch", .integer(batch)),
                ("profile_error", profileError.map(JSONValue.string) ?? .null),
                ("nodes", .array(nodes)),
                ("initializers", .array(sparsity.map { p, zeros in
                    .object([("name", .string(p.name)), ("dtype", .string(p.value.dtype.rawValue)),
                             ("shape", .array(p.value.shape.map(JSONValue.integer))), ("trainable", .bool(p.requiresGrad)),
                             ("sparsity", .number(p.value.count > 0 ? Double(zeros) / Double(p.value.count) : 0))])
                })),
            ])
            Console.output(object.serialized)
            return
        }
        var lines: [String] = []
        lines.append("model: \(url.path)")
        let opsets = graph.opsetImports.sorted { $0.key < $1.key }.map { "\($0.key.isEmpty ? "ai.onnx" : $0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("IR \(graph.irVersion), opsets: \(opsets); producer: \(graph.producerName) \(graph.producerVersion)")
        lines.append("checker (libonnx \(ONNXChecker.libraryVersion), advisory): \(checker)")
        lines.append("inputs:")
        for info in graph.inputs { lines.append("  \(info)") }
        lines.append("outputs:")
        for info in graph.outputs { lines.append("  \(info)") }
        lines.append("ops (\(onnx.graph.nodes.count) nodes in the file, \(graph.nodes.count) after constant folding):")
        for (op, count) in fileHistogram.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            lines.append("  \(op.padding(toLength: 24, withPad: " ", startingAt: 0)) \(count)")
        }
        lines.append("parameters: \(parameterCount) trainable (\(trainable.count) tensors), \(constantCount) constant elements")
        lines.append(String(format: "weight sparsity: %.2f%% zeros", parameterCount > 0 ? 100 * Double(totalZeros) / Double(parameterCount) : 0))
        if let profile {
            lines.append("MACs at batch \(batch): \(profile.totalMACs) (\(String(format: "%.3f", Double(profile.totalMACs) / 1e9)) G)"
                + (size.map { $0.effectiveMACs != $0.denseMACs ? ", \($0.effectiveMACs) on nonzero weights" : "" } ?? ""))
            let shown = allNodes ? profile.nodes : Array(profile.nodes.sorted { $0.cost.macs > $1.cost.macs }.prefix(10))
            lines.append(allNodes ? "nodes:" : "costliest nodes:")
            for entry in shown {
                let shapes = entry.outputShapes.map { $0.map { "\($0)" } ?? "-" }.joined(separator: " ")
                lines.append("  \(entry.opType) \(entry.name.isEmpty ? "#\(entry.index)" : entry.name): \(entry.cost.macs) MACs, \(entry.cost.parameters) params, out \(shapes)")
            }
        } else if let profileError {
            lines.append("MACs: not computed (\(profileError))")
        }
        let sparse = sparsity.filter { $0.1 > 0 && $0.0.requiresGrad }
        if !sparse.isEmpty {
            lines.append("initializers with zeros:")
            for (p, zeros) in sparse.prefix(allNodes ? .max : 20) {
                lines.append(String(format: "  %@ %@: %.2f%%", p.name, "\(p.value.shape)", 100 * Double(zeros) / Double(p.value.count)))
            }
        }
        Console.output(lines.joined(separator: "\n"))
    }
}
