import TensorCore

/// Random crop with zero padding, horizontal/vertical flips and 90° rotations (overhead
/// imagery has no "up"), applied per sample. Sample k of epoch e uses block k of the stream
/// (seed, "augment", e), so results do not depend on batching or threads.
public struct Augmentation: Sendable, Equatable, Codable {
    /// Zero padding on every side before a random crop back to the original size (0: no crop).
    public var padding: Int
    public var horizontalFlip: Bool
    public var verticalFlip: Bool
    /// Rotate by a random multiple of 90° (square images only).
    public var rotate90: Bool

    public init(padding: Int = 0, horizontalFlip: Bool = false, verticalFlip: Bool = false, rotate90: Bool = false) throws {
        guard padding >= 0, padding <= 1024 else { throw DatasetsError.invalidOption("crop padding must be in 0...1024, got \(padding)") }
        self.padding = padding; self.horizontalFlip = horizontalFlip; self.verticalFlip = verticalFlip; self.rotate90 = rotate90
    }

    /// The random choices for one sample.
    public struct Choice: Sendable, Equatable {
        /// Crop origin in the padded image, each in 0...2·padding.
        public let dy: Int, dx: Int
        public let flipHorizontal: Bool, flipVertical: Bool
        /// Counter-clockwise quarter turns (numpy's `rot90` k), 0...3.
        public let quarterTurns: Int
    }

    /// The choice for sample slot `slot` of epoch `epoch`.
    public func choice(seed: UInt64, epoch: Int, slot: Int) -> Choice {
        let w = RandomStream(seed: seed, purpose: "augment", index: UInt64(epoch)).words(block: UInt64(slot))
        let span = UInt64(2 * padding + 1)
        return Choice(dy: padding == 0 ? 0 : Int((UInt64(w.0) * span) >> 32),
                      dx: padding == 0 ? 0 : Int((UInt64(w.1) * span) >> 32),
                      flipHorizontal: horizontalFlip && (w.2 & 1) == 1,
                      flipVertical: verticalFlip && (w.2 & 2) == 2,
                      quarterTurns: rotate90 ? Int(w.3 >> 30) : 0)
    }

    /// Applies `choice` to one C×H×W sample: crop (zeros outside), flips, then rotation.
    public static func apply(_ choice: Choice, padding: Int, source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>,
                             channels: Int, height: Int, width: Int) {
        let plane = height * width
        for y in 0..<height {
            for x in 0..<width {
                // Undo the rotation: np.rot90 (k = 1) maps out[i][j] = in[j][W − 1 − i].
                var yy = y, xx = x
                for _ in 0..<choice.quarterTurns { (yy, xx) = (xx, width - 1 - yy) }
                if choice.flipVertical { yy = height - 1 - yy }
                if choice.flipHorizontal { xx = width - 1 - xx }
                let sy = yy + choice.dy - padding, sx = xx + choice.dx - padding
                let inside = sy >= 0 && sy < height && sx >= 0 && sx < width
                for c in 0..<channels {
                    destination[c * plane + y * width + x] = inside ? source[c * plane + sy * width + sx] : 0
                }
            }
        }
    }
}
