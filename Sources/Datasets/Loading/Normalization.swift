import TensorCore

/// Per-channel (x − mean) / std on Float32 pixels (already scaled, e.g. bytes / 255).
public struct Normalization: Sendable, Equatable, Codable {
    public var mean: [Float]
    public var standardDeviation: [Float]

    public init(mean: [Float], standardDeviation: [Float]) throws {
        guard mean.count == standardDeviation.count, !mean.isEmpty else {
            throw DatasetsError.invalidOption("normalisation needs one mean and one std per channel, got \(mean.count) and \(standardDeviation.count)")
        }
        guard standardDeviation.allSatisfy({ $0 > 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw DatasetsError.invalidOption("normalisation std must be positive and finite, got \(standardDeviation)")
        }
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// Mean and population std of each channel over `indices` of `source` (default: all),
    /// after multiplying by `scale`; accumulated in Float64. A flat channel gets std 1.
    public static func computed(from source: some SampleSource, indices: [Int]? = nil, scale: Double) throws -> Normalization {
        let channels = source.sampleShape[0], plane = source.sampleShape.dropFirst().reduce(1, *)
        var sum = [Double](repeating: 0, count: channels), squares = sum
        let chosen = indices ?? Array(0..<source.count)
        guard !chosen.isEmpty else { throw DatasetsError.emptyResult("no samples to compute the normalisation from") }
        // In chunks, so a memory-mapped pool never materialises at once.
        for start in stride(from: 0, to: chosen.count, by: 1024) {
            let chunk = try source.gather(Array(chosen[start ..< Swift.min(start + 1024, chosen.count)]))
            let values = chunk.doubles()
            for n in 0..<chunk.shape[0] {
                for c in 0..<channels {
                    let base = (n * channels + c) * plane
                    var s = 0.0, q = 0.0
                    for i in 0..<plane { let v = values[base + i] * scale; s += v; q += v * v }
                    sum[c] += s; squares[c] += q
                }
            }
        }
        let total = Double(chosen.count * plane)
        let mean = sum.map { $0 / total }
        var std: [Double] = []
        for c in 0..<channels {
            let variance = Swift.max(0, squares[c] / total - mean[c] * mean[c])
            std.append(variance > 0 ? variance.squareRoot() : 1)
        }
        return try Normalization(mean: mean.map { Float($0) }, standardDeviation: std.map { Float($0) })
    }
}
