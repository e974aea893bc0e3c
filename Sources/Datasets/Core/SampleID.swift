/// A sample's stable name: its source and its position there (`train:41327`,
/// `LC08_224078:480:992` for the patch whose top-left pixel is row 480, column 992).
/// The text before the first `:` is the source.
public struct SampleID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The full id text.
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    /// `source:index` (IDX files, lists).
    public init(source: String, index: Int) { rawValue = "\(source):\(index)" }

    /// `source:y:x`: a patch by the row and column of its top-left pixel.
    public init(source: String, y: Int, x: Int) { rawValue = "\(source):\(y):\(x)" }

    /// `source:path` (image folders: `class/file.png`).
    public init(source: String, path: String) { rawValue = "\(source):\(path)" }

    /// The part before the first `:` (the whole id when there is none).
    public var source: String {
        guard let colon = rawValue.firstIndex(of: ":") else { return rawValue }
        return String(rawValue[..<colon])
    }

    public var description: String { rawValue }
    public static func < (a: SampleID, b: SampleID) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
