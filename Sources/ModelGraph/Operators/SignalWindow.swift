import Foundation
import TensorCore

/// Shared body of the window generators (HannWindow, HammingWindow, BlackmanWindow): a 1-D
/// tensor of `size` values w(n) = Σ_k a_k·cos(2πkn/N), N = size when `periodic`, size − 1 when
/// symmetric, in `output_datatype` (FLOAT by default).
struct SignalWindow: Sendable {
    let periodic: Bool
    let dtype: DType

    init(node: Node) throws {
        periodic = try node.int("periodic", default: 1) != 0
        dtype = try Ops.Cast.dtype(forElementType: try node.int("output_datatype", default: 1), node: node, attribute: "output_datatype")
    }

    func run(_ inputs: [Tensor?], context: OperatorContext, coefficients: [Double]) throws -> Tensor {
        let values = try context.integers(inputs, 0, "size")
        guard values.count == 1, values[0] >= 0, values[0] < 1 << 31 else {
            throw context.invalid("size", "must be one non-negative size, got \(values)")
        }
        let size = values[0]
        let period = Double(periodic ? size : size - 1)
        let window = (0..<size).map { n -> Double in
            var sum = 0.0
            for (k, a) in coefficients.enumerated() { sum += a * cos(2 * Double.pi * Double(k) * Double(n) / period) }
            return sum
        }
        // Float32 first, as the reference computes in the output type before any integer cast.
        return try Tensor(shape: [size], scalars: window).cast(to: dtype.isFloatingPoint ? dtype : .float32).cast(to: dtype)
    }
}
