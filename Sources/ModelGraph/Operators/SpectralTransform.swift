import Foundation
import TensorCore

/// The discrete Fourier transform as matrix products with cosine and sine tables, shared by
/// DFT and STFT. Complex values are a trailing axis of size 2 (real, imaginary); a trailing
/// size 1 is a real signal. Built from tensor-core functions, so gradients flow.
enum SpectralTransform {
    /// The transform of `x` (…, n along `axis`, …, 1|2) over `axis` (not the last one), zero
    /// padded or truncated to `length`, keeping the first ⌊length/2⌋+1 bins when `onesided`;
    /// `inverse` uses e^{+iθ} and divides by length. Returns (…, bins, …, 2).
    static func transform(_ x: Tensor, axis: Int, length: Int?, inverse: Bool, onesided: Bool, context: OperatorContext) throws -> Tensor {
        guard x.rank >= 2, let last = x.shape.last, last == 1 || last == 2 else {
            throw context.invalid("input", "needs a trailing axis of size 1 (real) or 2 (complex), got \(x.shape)")
        }
        guard axis >= 0, axis < x.rank - 1 else { throw context.invalid("axis", "\(axis) must name a signal axis of \(x.shape)") }
        let n = length ?? x.shape[axis]
        guard n >= 1 else { throw context.invalid("dft_length", "must be positive, got \(n)") }
        var signal = x
        let available = x.shape[axis]
        if available > n { signal = try signal.sliced(starts: [0], ends: [n], axes: [axis]) }
        if available < n { signal = try signal.padded(pads: [0, n - available], axes: [axis]) }
        let bins = onesided ? n / 2 + 1 : n
        // Move the transformed axis last: (…, 2 or 1, n).
        var order = Array(0..<signal.rank)
        order.remove(at: axis)
        order.append(axis)
        let moved = try signal.transposed(permutation: order)
        let real = try moved.sliced(starts: [0], ends: [1], axes: [moved.rank - 2])
        let imaginary: Tensor? = last == 2 ? try moved.sliced(starts: [1], ends: [2], axes: [moved.rank - 2]) : nil
        var cosines = [Double](repeating: 0, count: n * bins), sines = cosines
        for j in 0..<n {
            for k in 0..<bins {
                let angle = 2 * Double.pi * Double((j * k) % n) / Double(n)
                cosines[j * bins + k] = cos(angle)
                sines[j * bins + k] = sin(angle)
            }
        }
        let c = try Tensor(shape: [n, bins], scalars: cosines).cast(to: x.dtype)
        let s = try Tensor(shape: [n, bins], scalars: sines).cast(to: x.dtype)
        // e^{∓iθ}: forward (xr + i·xi)(cos − i·sin), inverse (cos + i·sin).
        let sign = inverse ? -1.0 : 1.0
        var outReal = try real.matmul(c), outImaginary = try real.matmul(s).multiplying(-sign)
        if let imaginary {
            outReal = try outReal.adding(imaginary.matmul(s).multiplying(sign))
            outImaginary = try outImaginary.adding(imaginary.matmul(c))
        }
        var combined = try Tensor.concat([outReal, outImaginary], axis: moved.rank - 2)
        if inverse { combined = try combined.multiplying(1 / Double(n)) }
        // Back to the input's axis order.
        var restore = [Int](repeating: 0, count: order.count)
        for (position, source) in order.enumerated() { restore[source] = position }
        return try combined.transposed(permutation: restore)
    }
}
