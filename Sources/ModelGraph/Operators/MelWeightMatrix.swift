import Foundation
import TensorCore

extension Ops {
    /// ONNX MelWeightMatrix: a (dft_length/2 + 1, num_mel_bins) matrix of triangular filters
    /// whose edges are num_mel_bins + 2 points equally spaced on the mel scale
    /// (2595·log10(1 + f/700)) between the lower and upper edge frequencies, as the
    /// specification's formula places them; `output_datatype` FLOAT by default.
    public struct MelWeightMatrix: Operator {
        public static let opType = "MelWeightMatrix"
        public static let versions = [17]
        let dtype: DType

        public init(node: Node, version: Int) throws {
            dtype = try Ops.Cast.dtype(forElementType: try node.int("output_datatype", default: 1), node: node, attribute: "output_datatype")
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            func scalar(_ index: Int, _ name: String) throws -> Double {
                let t = try context.required(inputs, index, name)
                guard t.count == 1 else { throw context.invalid(name, "must be a scalar, got \(t.shape)") }
                return try t.item()
            }
            let melBins = Int(try scalar(0, "num_mel_bins")), dftLength = Int(try scalar(1, "dft_length"))
            let sampleRate = try scalar(2, "sample_rate")
            let lower = try scalar(3, "lower_edge_hertz"), upper = try scalar(4, "upper_edge_hertz")
            guard melBins >= 1, dftLength >= 1, sampleRate > 0, lower >= 0, upper > lower else {
                throw context.invalid("inputs", "need positive bins, dft_length and sample_rate and 0 ≤ lower < upper")
            }
            let spectrumBins = dftLength / 2 + 1
            func mel(_ hertz: Double) -> Double { 2595 * log10(1 + hertz / 700) }
            let low = mel(lower), step = (mel(upper) - low) / Double(melBins + 2)
            let edges = (0..<(melBins + 2)).map { i -> Int in
                let hertz = 700 * (pow(10, (Double(i) * step + low) / 2595) - 1)
                return Int((Double(dftLength + 1) * hertz / sampleRate).rounded(.down))
            }
            var weights = [Double](repeating: 0, count: spectrumBins * melBins)
            func set(_ row: Int, _ column: Int, _ value: Double) throws {
                guard row >= 0 && row < spectrumBins else {
                    throw context.invalid("inputs", "a filter edge falls on bin \(row), outside the \(spectrumBins) spectrum bins; lower the upper edge")
                }
                weights[row * melBins + column] = value
            }
            for i in 0..<melBins {
                let left = edges[i], center = edges[i + 1], right = edges[i + 2]
                if center == left { try set(center, i, 1) } else {
                    for j in left...center { try set(j, i, Double(j - left) / Double(center - left)) }
                }
                if right > center { for j in center..<right { try set(j, i, Double(right - j) / Double(right - center)) } }
            }
            return [try Tensor(shape: [spectrumBins, melBins], scalars: weights).cast(to: dtype)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("MelWeightMatrix makes a new tensor") }
    }
}
