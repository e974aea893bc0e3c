/// `manifest.json` of a packed pool: what the files hold and the SHA-256 of the pixels.
public struct PoolManifest: Codable, Sendable, Equatable {
    /// Always "winnow-pool".
    public var format: String
    /// Layout version of the pool folder.
    public var version: Int
    /// Number of samples.
    public var count: Int
    /// [C, H, W] of every sample.
    public var shape: [Int]
    /// "uint8" or "float32".
    public var dtype: String
    /// File name of the N×C×H×W NPY array.
    public var images: String
    /// File name of the `id,label` CSV table.
    public var samples: String
    /// Class names in label order; empty for an unlabelled pool.
    public var classes: [String]
    /// SHA-256 of the pixel bytes (the NPY data section, C order, little-endian).
    public var pixelsSHA256: String
    /// How the pool was made (command, arguments, per-source facts such as stretch bounds).
    public var provenance: [String: String]

    enum CodingKeys: String, CodingKey {
        case format, version, count, shape, dtype, images, samples, classes, provenance
        case pixelsSHA256 = "pixels_sha256"
    }

    public static let formatName = "winnow-pool"
    public static let currentVersion = 1
}
