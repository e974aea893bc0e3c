import Foundation
import ModelGraph
import TensorCore

/// How big a model is: trainable parameters, how many are nonzero, MACs dense and effective
/// (each node's MACs scaled by the density of the weights it multiplies), and file size.
/// MACs come from ModelGraph's per-node cost analysis (`GraphProfile`).
public struct ModelSize: Sendable, Equatable {
    /// Elements of trainable parameters.
    public var parameters: Int
    /// Of those, the nonzero ones.
    public var nonzeroParameters: Int
    /// Multiply-accumulates of one forward pass at the profiled input shapes.
    public var denseMACs: Int
    /// MACs that touch a nonzero weight: for every node, its MACs times the nonzero fraction of
    /// the weights (trainable inputs of rank ≥ 2) it reads; nodes without weights count in full.
    public var effectiveMACs: Int
    /// Bytes of the model file (and its external data), when the model came from a file.
    public var fileBytes: Int?

    /// Fraction of trainable parameters that are zero.
    public var sparsity: Double { parameters == 0 ? 0 : 1 - Double(nonzeroParameters) / Double(parameters) }

    /// Measures `graph`; `profile` gives the MACs (see `GraphProfile`), `file` the size on disk.
    public init(graph: Graph, profile: GraphProfile, file: URL? = nil) throws {
        var parameters = 0, nonzero = 0
        var nonzeroOf: [String: (nonzero: Int, total: Int)] = [:]
        for p in graph.initializers where p.requiresGrad {
            let values = p.value.doubles()
            let count = values.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            parameters += values.count
            nonzero += count
            nonzeroOf[p.name] = (count, values.count)
        }
        var effective = 0.0
        for entry in profile.nodes {
            var weightNonzero = 0, weightTotal = 0
            for name in graph.nodes[entry.index].inputs where !name.isEmpty {
                guard let p = graph.parameter(named: name), p.requiresGrad, p.value.rank >= 2, let counts = nonzeroOf[name] else { continue }
                weightNonzero += counts.nonzero
                weightTotal += counts.total
            }
            let density = weightTotal == 0 ? 1 : Double(weightNonzero) / Double(weightTotal)
            effective += Double(entry.cost.macs) * density
        }
        self.parameters = parameters
        self.nonzeroParameters = nonzero
        self.denseMACs = profile.totalMACs
        self.effectiveMACs = Int(effective.rounded())
        self.fileBytes = try file.map(Self.fileBytes(of:))
    }

    /// Size of a model file plus the external-data files in its folder that it names (`*.data`
    /// files beside it count when named `<base>.….data`, as exporters name them).
    public static func fileBytes(of url: URL) throws -> Int {
        func size(_ path: String) throws -> Int {
            do {
                return (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            } catch {
                throw MetricsError.unreadableFile(path: path, reason: FileManager.default.fileExists(atPath: path) ? error.localizedDescription : "no such file")
            }
        }
        var total = try size(url.path)
        let folder = url.deletingLastPathComponent()
        let base = url.deletingPathExtension().lastPathComponent
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        where name != url.lastPathComponent && name.hasPrefix(base + ".") && name.hasSuffix(".data") {
            total += try size(folder.appendingPathComponent(name).path)
        }
        return total
    }
}
